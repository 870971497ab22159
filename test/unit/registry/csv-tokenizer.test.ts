import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, RecordTooLongError } from '../../../lib/registry/csv-tokenizer';
import { needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../../support/datasets';
import { fixtures } from '../ingest/helpers';

/** Tokenize `text` fed in pieces of `chunk` characters; records with the line they end on. */
function tokenize(text: string, chunk: number, delimiter = ',', max = 1 << 20) {
  const records: [number, string[]][] = [];
  const malformed: string[] = [];
  const tokenizer = new CsvTokenizer(
    delimiter,
    (f, line) => records.push([line, f]),
    (r) => malformed.push(r),
    max,
  );
  for (let i = 0; i < text.length; i += chunk) tokenizer.write(text.slice(i, i + chunk));
  tokenizer.end();
  return { records, malformed };
}

/** The reference: csv-parse with the options ingestion relied on before the tokenizer. */
function csvParse(text: string, delimiter = ',') {
  const rows = parse(text, {
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  return rows.map((r): [number, string[]] => [r.info.lines, r.record]);
}

const TRICKY = [
  '\ufeffa,b,c',
  '1,"x, y",3',
  '',
  '2,"multi\nline ""quoted""",4',
  '3,12" ruler,5',
  '4,,',
  '"",5,"6"',
  '7,8,9',
];

/** The tokenizer's records of a whole file equal csv-parse's (delimiter guessed from the file). */
function agreesWithCsvParse(text: string, file: string): void {
  const delimiter = file.endsWith('.tsv')
    ? '\t'
    : text.includes(';') && !text.includes(',')
      ? ';'
      : text.includes('|')
        ? '|'
        : ',';
  expect(tokenize(text, 4096, delimiter).records, file).toEqual(csvParse(text, delimiter));
}

describe('CsvTokenizer', () => {
  it.each([1, 2, 3, 7, 64, 1 << 16])(
    'splits quoted and multi-line records like csv-parse (chunks of %i)',
    (chunk) => {
      for (const eol of ['\n', '\r\n', '\r']) {
        const text = TRICKY.join(eol);
        expect(tokenize(text, chunk).records).toEqual(csvParse(text));
      }
    },
  );

  it('takes LF, CRLF and CR line ends in one file (csv-parse keeps the first it sees)', () => {
    expect(tokenize('a,b\r\n1,2\n3,4\r5,6', 2).records.map(([line, f]) => [line, f.join('|')])).toEqual([
      [1, 'a|b'],
      [2, '1|2'],
      [3, '3|4'],
      [4, '5|6'],
    ]);
  });

  it('agrees with csv-parse on every fixture', async () => {
    const names = (await readdir(fixtures)).filter(
      (n) => /\.(csv|tsv|txt)$/.test(n) && n !== 'whitespace.txt',
    );
    for (const file of names.map((n) => path.join(fixtures, n)))
      agreesWithCsvParse(await readFile(file, 'utf8'), file);
  });

  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail('agrees with csv-parse on real Online Retail files'),
    async () => {
      const retail = ONLINE_RETAIL_DAYS as string;
      const names = (await readdir(retail)).sort().slice(0, 5);
      for (const file of names.map((n) => path.join(retail, n)))
        agreesWithCsvParse(await readFile(file, 'utf8'), file);
    },
  );

  it('reports an unclosed quote at the end and text after a closing quote', () => {
    expect(tokenize('a,b\n1,"open\n', 3).malformed).toEqual(['unclosed_quote']);
    const { records, malformed } = tokenize('a,b\n"x"y,1\n2,3\n', 5);
    expect(malformed).toEqual(['malformed_record']);
    expect(records).toEqual([
      [1, ['a', 'b']],
      [3, ['2', '3']],
    ]);
  });

  it('stops on a record longer than the limit instead of buffering it', () => {
    expect(() => tokenize(`a,b\n1,"${'x'.repeat(500)}`, 64, ',', 100)).toThrow(RecordTooLongError);
    expect(() => tokenize(`a,b\n1,${'x'.repeat(500)}\n`, 1000, ',', 100)).toThrow(RecordTooLongError);
  });
});
