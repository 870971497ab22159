/**
 * A streaming CSV tokenizer: how the prediction API reads a champion's predictions.csv
 * (lib/serving/batch-scores.ts) without a DuckDB in the predict function. The rules are csv-parse's under
 * RFC 4180 (quotes with `""` escapes, LF/CRLF/CR line ends, quoted line breaks, quotes inside unquoted
 * fields taken literally, empty lines skipped); lines without a quote are split with the engine's native
 * `split`. Its parity with csv-parse on the ingest fixtures and the real datasets is a unit test.
 */
/** A record longer than the limit: parsing cannot continue safely. */
export class RecordTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly limit: number,
  ) {
    super(`a record ending near line ${line} exceeds ${limit} characters (an unclosed quote, or not a CSV)`);
    this.name = 'RecordTooLongError';
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvTokenizer {
  private carry = '';
  /** Lines consumed so far (the 1-based number of the last line ended). */
  private line = 0;
  private first = true;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: (fields: string[], line: number) => void,
    private readonly onMalformed: (reason: 'unclosed_quote' | 'malformed_record', line: number) => void,
    private readonly maxRecordChars: number,
  ) {}

  /** Feed decoded text; complete records are emitted, a trailing partial record is kept. */
  write(chunk: string): void {
    let text = this.carry === '' ? chunk : this.carry + chunk;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const consumed = this.consume(text, false);
    this.carry = consumed < text.length ? text.slice(consumed) : '';
    if (this.carry.length > this.maxRecordChars)
      throw new RecordTooLongError(this.line + 1, this.maxRecordChars);
  }

  /** The input is complete: emit the last record. */
  end(): void {
    if (this.carry !== '') this.consume(this.carry, true);
    this.carry = '';
  }

  /** Emit every complete record of `text`; returns how many characters were consumed. */
  private consume(text: string, final: boolean): number {
    const n = text.length;
    const d = this.delimiter;
    let pos = 0;
    // Next CR and quote positions, looked up again only once passed: searching them from every line
    // would rescan the whole chunk per line when the file has none.
    let nextCr = -2;
    let nextQuote = -2;
    while (pos < n) {
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      let eol = text.indexOf('\n', pos);
      if (nextCr >= 0 && (eol < 0 || nextCr < eol)) eol = nextCr;
      // Wait for more input when the line is incomplete, or ends in a CR that may be half of a CRLF.
      if (!final && (eol < 0 || eol === n - 1)) return pos;
      const end = eol < 0 ? n : eol;
      if (nextQuote < 0 || nextQuote >= end) {
        if (end - pos > this.maxRecordChars) throw new RecordTooLongError(this.line + 1, this.maxRecordChars);
        this.line++;
        if (end > pos) this.onRecord(text.slice(pos, end).split(d), this.line);
        pos = afterLineEnd(text, end);
        continue;
      }
      const next = this.quotedRecord(text, pos, final);
      if (next < 0) return pos;
      pos = next;
    }
    return pos;
  }

  /**
   * Parse one record containing quotes, char by char, from `start`. Returns the position after it, or -1
   * when the text ends inside it (wait for more input).
   */
  private quotedRecord(text: string, start: number, final: boolean): number {
    const n = text.length;
    const d = this.delimiter.charCodeAt(0);
    const fields: string[] = [];
    let lines = 1;
    let pos = start;
    for (;;) {
      // At the start of a field.
      if (text.charCodeAt(pos) === QUOTE) {
        let value = '';
        let from = pos + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            if (!final) return -1;
            this.line += lines + countLineBreaks(text, from, n);
            this.onMalformed('unclosed_quote', this.line);
            return n;
          }
          if (close + 1 >= n && !final) return -1;
          value += text.slice(from, close);
          lines += countLineBreaks(text, from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          pos = close + 1;
          break;
        }
        fields.push(value);
        const c = text.charCodeAt(pos);
        if (c === d) {
          pos++;
          continue;
        }
        if (pos >= n || c === LF || c === CR) break;
        // Text after a closing quote (`"a"b`): not a valid field.
        const end = lineEnd(text, pos);
        if (!final && (end < 0 || end === n - 1)) return -1;
        this.line += lines;
        this.onMalformed('malformed_record', this.line);
        return end < 0 ? n : afterLineEnd(text, end);
      }
      // An unquoted field: up to the delimiter or the line end (a quote inside it is literal).
      let end = pos;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (c === d || c === LF || c === CR) break;
        end++;
      }
      if (end >= n && !final) return -1;
      fields.push(text.slice(pos, end));
      if (end < n && text.charCodeAt(end) === d) {
        pos = end + 1;
        continue;
      }
      pos = end;
      break;
    }
    if (!final && pos >= n - 1) return -1;
    if (pos - start > this.maxRecordChars)
      throw new RecordTooLongError(this.line + lines, this.maxRecordChars);
    this.line += lines;
    this.onRecord(fields, this.line);
    return pos >= n ? n : afterLineEnd(text, pos);
  }
}

/** Position after the line end at `end` (a CRLF counts as one). */
function afterLineEnd(text: string, end: number): number {
  if (end >= text.length) return text.length;
  return text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let lines = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) lines++;
    else if (c === CR && text.charCodeAt(i + 1) !== LF) lines++;
  }
  return lines;
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return i;
  }
  return -1;
}
