import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestSession } from '../../../lib/ingest/ingest-session';
import { recordPatterns } from '../../../lib/ingest/record-patterns';
import { splitSample } from '../../../lib/ingest/sniff';
import {
  DATE_FORMATS,
  type DateFormat,
  normalizeCustomerId,
  parseDate,
  parseNumber,
} from '../../../lib/ingest/value-parsers';

/**
 * The SQL of ingestion (sql/ingest/*.sql), run on DuckDB, against the TypeScript it must equal: the value
 * parsers the sniffer (and before it the whole ingest) uses, and the sample splitter.
 */
let session: IngestSession;
beforeAll(async () => {
  session = await IngestSession.open();
});
afterAll(async () => {
  await session.close();
});

/** One SQL expression of `s` over every value, in order (NULL as null). */
async function sqlOf(expression: string, values: readonly string[], params = {}): Promise<unknown[]> {
  const rows = await session.read(
    `SELECT ${expression} AS v FROM (SELECT unnest($values) AS s, generate_subscripts($values, 1) AS i) ORDER BY i`,
    { values: session.listOf(values), ...params },
  );
  return rows.getRowsJS().map(([v]) => (typeof v === 'bigint' ? Number(v) : v));
}

const NUMBERS = [
  '12.50',
  '-2.5',
  '1,234.56',
  '$ 7.00',
  '12.50-',
  '1.234,56',
  '-3,00',
  '',
  ' ',
  'lots',
  '0x10',
  '1.2.3',
  'Infinity',
  'NaN',
  '1e308',
  '1e400',
  '-1e400',
  '1e-400',
  '.5',
  '5.',
  '+7',
  '1_000',
  '€ 1 234,50',
  "1'000.25",
  '0',
  '-0',
  '00012',
  '1e3',
  '2E-2',
  '12,5',
  '€12',
  '12 €',
  '--5',
  '5--',
  `${'9'.repeat(400)}`,
  '١٢',
];

const DATES = [
  '2024-01-05',
  '2024/01/05',
  '2024-01/05',
  '2024-01-05 10:30:15',
  '2024-01-05T10:30:15.250Z',
  '2024-01-05T10:30:00+02:00',
  '2024-01-05 10:30 -0530',
  '2024-01-05 8:26',
  '2024-01-05 10:30:60',
  '2024-01-31 23:59:60',
  '2024-01-05 24:00',
  '2011-02-30',
  '2012-02-29',
  '2011-02-29',
  '1900-02-29',
  '2000-02-29',
  '0050-06-01',
  '9999-12-31',
  '1969-12-31 23:59:59',
  '2024-01-05T',
  '2024-01-05 10:30:15.5',
  '2024-01-05 10:30:15.123456',
  '2024-01-05 10:30 UTC',
  '2024-01-05 10:30 CET',
  '19970101',
  '19971301',
  '25/06/2024 14:05',
  '12/1/2010 8:26',
  '13.02.24',
  '25/06/2024',
  '1/2/69',
  '1/2/70',
  '31-12-99',
  '1704448800',
  '1704448800123',
  '1704448800.5',
  '170444880',
  'not a date',
  '',
  '2024-13-01',
  '2024-00-10',
];

describe('sql/ingest macros equal lib/ingest/value-parsers.ts', () => {
  it.each([
    ['.', false],
    [',', true],
  ] as const)('parse_number with decimal %s is parseNumber', async (decimal, comma) => {
    const sql = await sqlOf('parse_number(s, $comma)', NUMBERS, { comma });
    const ts = NUMBERS.map((n) => parseNumber(n, decimal));
    expect(sql.map((v) => (v === null ? Number.NaN : v))).toEqual(ts);
  });

  it.each(DATE_FORMATS)('parse_epoch_ms in %s is parseDate', async (format: DateFormat) => {
    const sql = await sqlOf('parse_epoch_ms(s, $format)', DATES, { format });
    expect(sql.map((v) => (v === null ? Number.NaN : v))).toEqual(DATES.map((d) => parseDate(d, format)));
  });

  it('the transaction query reads dates as parse_epoch_ms does, on its fast path and off it', async () => {
    const rows = DATES.filter((d) => d !== '' && !d.includes(',')).map((d, i) => `c${i},${d},1`);
    const { ingestStream } = await import('../../../lib/ingest');
    const { FsBlobStore } = await import('../../../lib/store/fs-store');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { Readable } = await import('node:stream');
    const out = new FsBlobStore(await mkdtemp(`${tmpdir()}/valuecast-sql-`));
    const report = await ingestStream({
      open: async () => Readable.from([Buffer.from(`customer_id,order_date,total\n${rows.join('\n')}\n`)]),
      dataset: 'shop',
      source: 'dates',
      out,
      mapping: { dateFormat: 'iso' },
      session,
    });
    const accepted = DATES.filter((d) => d !== '' && !d.includes(',')).filter((d) => {
      const t = parseDate(d, 'iso');
      return !Number.isNaN(t) && t >= 0 && t <= Date.now();
    });
    expect(report.rowsAccepted).toBe(accepted.length);
    const range = accepted.map((d) => parseDate(d, 'iso'));
    expect(report.dateRange?.first).toBe(new Date(Math.min(...range)).toISOString());
    expect(report.dateRange?.last).toBe(new Date(Math.max(...range)).toISOString());
  });

  it('trim_text is String.prototype.trim and customer_id_of is normalizeCustomerId', async () => {
    const values = [
      ' a ',
      '\u00a0b\u3000',
      '\ufeffc\t',
      '17850.0',
      ' 00001 ',
      '17850.5',
      '',
      'x y',
      '\u2028z\u2029',
    ];
    expect(await sqlOf('trim_text(s)', values)).toEqual(values.map((v) => v.trim()));
    expect(await sqlOf('customer_id_of(s)', values)).toEqual(values.map(normalizeCustomerId));
  });

  it('csv_cell neutralizes formulas (plain numbers excepted) and quotes what needs quoting', async () => {
    const values = [
      '=HYPERLINK(1)',
      '@evil',
      '-5',
      '-x',
      "'quoted",
      'a,b',
      'say "hi"',
      'two\nlines',
      'plain',
    ];
    expect(await sqlOf('csv_cell(s)', values)).toEqual([
      "'=HYPERLINK(1)",
      "'@evil",
      '-5',
      "'-x",
      "''quoted",
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      'plain',
    ]);
  });

  it.each([',', ';', '\t', '|'])(
    'record_fields splits a line with delimiter %j as the sniffer does',
    async (d) => {
      const lines = [
        ['a', 'b', 'c'].join(d),
        ['1', '"x, y"', '3'].join(d),
        ['"two ""quoted"""', '', '"'].join(d).replace(/"$/, '""'),
        ['3', '12" ruler', '5'].join(d),
        ['', '', ''].join(d),
        [`"with ${d} inside"`, 'z'].join(d),
      ];
      const patterns = recordPatterns(d);
      const sql = await sqlOf('record_fields(s, $d, false, $field_re)', lines, {
        d,
        field_re: patterns.field,
      });
      expect(sql).toEqual(lines.map((line) => splitSample(line, d)[0] ?? ['']));
    },
  );
});
