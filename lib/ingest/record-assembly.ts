import type { DuckDBConnection } from '@duckdb/node-api';

const QUOTE = 34;

/** How a record stands after one more of its physical lines. */
export type RecordEnd = 'complete' | 'open' | 'malformed';

/**
 * Follows the quotes of one CSV record line by line (RFC 4180: a field starting with a quote runs to the
 * next lone quote, `""` inside is a quote; a quote inside an unquoted field is a plain character). Linear
 * in the text it is given.
 */
export class QuoteScanner {
  private inQuote = false;
  private fieldStart = true;
  private afterClose = false;

  constructor(private readonly delimiter: number) {}

  /** Scan the record's next physical line (the line break before it, if any, is inside a quoted field). */
  line(text: string): RecordEnd {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inQuote) {
        if (c !== QUOTE) continue;
        if (text.charCodeAt(i + 1) === QUOTE) i++;
        else {
          this.inQuote = false;
          this.afterClose = true;
        }
      } else if (this.afterClose) {
        if (c !== this.delimiter) return 'malformed';
        this.afterClose = false;
        this.fieldStart = true;
      } else if (c === this.delimiter) this.fieldStart = true;
      else if (this.fieldStart && c === QUOTE) {
        this.inQuote = true;
        this.fieldStart = false;
      } else this.fieldStart = false;
    }
    return this.inQuote ? 'open' : 'complete';
  }
}

/** Lines fetched at a time while following a record across lines. */
const BATCH = 1024;

/**
 * Join the records whose quoted fields span lines. `lines(line, text)` holds the staged file's lines and
 * `openers` the lines that end inside a quoted field, in order; each such record is followed until its
 * quote closes and written to the table `joined(start_line, end_line, text, state)`: `complete` (text
 * joined with line feeds), `malformed` (text after a closing quote), `too_long` (over `maxRecordBytes`,
 * where it is cut: the file goes on after it) or `unclosed` (the file ends inside the quote). Openers
 * inside an earlier record are part of it. Work is linear in the lines followed.
 */
export async function joinSpanningRecords(
  connection: DuckDBConnection,
  openers: readonly number[],
  delimiter: string,
  maxRecordBytes: number,
): Promise<void> {
  await connection.run(
    'CREATE OR REPLACE TABLE joined (start_line BIGINT, end_line BIGINT, text VARCHAR, state VARCHAR)',
  );
  const appender = await connection.createAppender('joined');
  let coveredUntil = 0;
  try {
    for (const start of openers) {
      if (start <= coveredUntil) continue;
      const first = await connection.runAndReadAll('SELECT text FROM lines WHERE line = $line', {
        line: BigInt(start),
      });
      const scanner = new QuoteScanner(delimiter.charCodeAt(0));
      let text = String(first.getRowsJS()[0]?.[0] ?? '');
      let state: RecordEnd | 'too_long' | 'unclosed' = scanner.line(text);
      let end = start;
      while (state === 'open') {
        const batch = (
          await connection.runAndReadAll(
            'SELECT line, text FROM lines WHERE line > $after ORDER BY line LIMIT $batch',
            { after: BigInt(end), batch: BigInt(BATCH) },
          )
        ).getRowsJS() as [bigint, string | null][];
        if (batch.length === 0) {
          state = 'unclosed';
          break;
        }
        for (const [line, lineText] of batch) {
          end = Number(line);
          text += `\n${lineText ?? ''}`;
          if (Buffer.byteLength(text) > maxRecordBytes) {
            state = 'too_long';
            break;
          }
          state = scanner.line(lineText ?? '');
          if (state !== 'open') break;
        }
      }
      appender.appendBigInt(BigInt(start));
      appender.appendBigInt(BigInt(end));
      if (state === 'complete') appender.appendVarchar(text);
      else appender.appendNull();
      appender.appendVarchar(state);
      appender.endRow();
      coveredUntil = end;
    }
  } finally {
    appender.closeSync();
  }
}
