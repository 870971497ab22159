import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { IngestReport } from '../../../lib/ingest';
import { getJson } from '../../../lib/store/blob-store';
import { duckdbRead, fixture, ingestFixture } from './helpers';

const ALL_FIXTURES = [
  'comma.csv',
  'semicolon-decimal-comma.csv',
  'tab.tsv',
  'pipe.txt',
  'whitespace.txt',
  'no-header.txt',
  'ambiguous-dates.csv',
  'day-first.csv',
  'month-first.csv',
  'epoch-seconds.csv',
  'epoch-millis.csv',
  'quantity-price.csv',
  'customer-table.csv',
  'missing-columns.csv',
  'not-a-csv.txt',
  'empty.csv',
  'binary.xlsx',
  'explicit-mapping.csv',
];

describe('ingestStream', () => {
  it.each(ALL_FIXTURES)('accounts for every row of %s: read = accepted + rejected', async (file) => {
    const { report } = await ingestFixture(file);
    expect(report.rowsRead).toBe(report.rowsAccepted + report.rowsRejected);
    const byReason = Object.values(report.rejectedByReason).reduce((a, b) => a + b, 0);
    expect(byReason).toBe(report.rowsRejected);
  });

  it('validates every row with a stable reason and keeps negative amounts', async () => {
    const { report } = await ingestFixture('comma.csv');
    expect(report).toMatchObject({
      status: 'ok',
      kind: 'transactions',
      rowsRead: 9,
      rowsAccepted: 4,
      rowsRejected: 5,
    });
    expect(report.rejectedByReason).toEqual({
      missing_customer_id: 1,
      unparseable_date: 1,
      unparseable_amount: 2,
      wrong_column_count: 1,
    });
    expect(report.amountTotal).toBe(29.75);
    expect(report.duplicateRows.withinFile).toBe(1);
  });

  it('writes the normalized Parquet with typed columns that DuckDB reads', async () => {
    const { report, out } = await ingestFixture('comma.csv');
    const { rows, types } = await duckdbRead(out, report.outputs.normalized as string);
    expect(types).toEqual({
      customer_id: 'VARCHAR',
      ts: 'TIMESTAMP WITH TIME ZONE',
      amount: 'DOUBLE',
      order_id: 'VARCHAR',
      quantity: 'DOUBLE',
      unit_price: 'DOUBLE',
      country: 'VARCHAR',
      channel: 'VARCHAR',
      source_line: 'BIGINT',
    });
    expect(rows).toHaveLength(report.rowsAccepted);
    expect(rows[0]).toMatchObject({
      customer_id: 'c1',
      amount: 12.5,
      order_id: 'A1',
      country: 'FR',
      quantity: null,
      source_line: 2n,
    });
    expect(rows.map((r) => r.amount)).toContain(-2.5);
  });

  it('quarantines rejected rows with line, reason and neutralized raw fields', async () => {
    const { report, out } = await ingestFixture('comma.csv');
    const text = await readFile(`${out.root}/${report.outputs.quarantine}`, 'utf8');
    const rows = parse(text, { relax_column_count: true }) as string[][];
    expect(rows[0]).toEqual([
      'source_line',
      'reason',
      'order_id',
      'customer_id',
      'order_date',
      'total',
      'country',
      'channel',
    ]);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['4', 'missing_customer_id'],
      ['5', 'unparseable_date'],
      ['6', 'unparseable_amount'],
      ['7', 'wrong_column_count'],
      ['9', 'unparseable_amount'],
    ]);
    expect(rows[5]).toEqual([
      '9',
      'unparseable_amount',
      'A8',
      "'=HYPERLINK(1)",
      '2024-01-11',
      'abc',
      "'@evil",
      'web',
    ]);
  });

  it('writes the report last, under reports/ingest, and no quarantine when nothing is rejected', async () => {
    const { report, out } = await ingestFixture('tab.tsv');
    expect(report.outputs).toEqual({ normalized: 'normalized/shop/tab.parquet' });
    expect(await getJson<IngestReport>(out, 'reports/ingest/shop/tab.json')).toEqual(report);
    expect(await out.head('quarantine/shop/tab.csv')).toBeUndefined();
  });

  it('reads gzip input, sniffed from its magic bytes', async () => {
    const { report } = await ingestFixture(gzipSync(await readFile(fixture('comma.csv'))));
    expect(report).toMatchObject({ status: 'ok', rowsRead: 9, rowsAccepted: 4 });
    expect(report.schema.gzip).toBe(true);
  });

  it.each([
    ['empty.csv', 'empty_file'],
    ['binary.xlsx', 'binary_content'],
    ['not-a-csv.txt', 'no_delimiter'],
    ['missing-columns.csv', 'no_customer_column'],
  ])('fails %s with one clear reason and no output', async (file, code) => {
    const { report, out } = await ingestFixture(file);
    expect(report).toMatchObject({ status: 'failed', failureCode: code, outputs: {} });
    expect(report.failureReason).toBeTruthy();
    expect(await out.head(`normalized/shop/${report.source}.parquet`)).toBeUndefined();
    expect(await out.head(`reports/ingest/shop/${report.source}.json`)).toBeDefined();
  });

  it('fails a truncated gzip upload and removes the outputs of an earlier good upload of that name', async () => {
    const gz = gzipSync(Buffer.from(`customer,date,amount\n${'c1,2024-01-01,1.00\n'.repeat(50_000)}`));
    const { out } = await ingestFixture(gz, { source: 'orders' });
    expect(await out.head('normalized/shop/orders.parquet')).toBeDefined();
    const { report } = await ingestFixture(gz.subarray(0, gz.length - 2000), { source: 'orders', out });
    expect(report).toMatchObject({ status: 'failed', failureCode: 'truncated_gzip' });
    expect(await out.head('normalized/shop/orders.parquet')).toBeUndefined();
  });

  it('needs an explicit mapping for unknown headers, and then uses it', async () => {
    const auto = await ingestFixture('explicit-mapping.csv');
    expect(auto.report).toMatchObject({ status: 'failed', failureCode: 'no_amount_column' });
    expect(auto.report.failureReason).toMatch(/amount=<column>/);
    const { report } = await ingestFixture('explicit-mapping.csv', { mapping: { amount: 'sum' } });
    expect(report).toMatchObject({ status: 'ok', rowsAccepted: 2, amountTotal: 11 });
    expect(report.schema).toMatchObject({
      mappingSource: 'explicit',
      columns: { customer: 'client', amount: 'sum' },
    });
  });

  it('fails when the mapping names a column the file does not have', async () => {
    const { report } = await ingestFixture('tab.tsv', { mapping: { amount: 'Total' } });
    expect(report).toMatchObject({ status: 'failed', failureCode: 'mapped_column_missing' });
  });

  it('detects a customer table, types its columns and validates id and target', async () => {
    const { report, out } = await ingestFixture('customer-table.csv');
    expect(report).toMatchObject({ kind: 'customer-table', rowsRead: 6, rowsAccepted: 3, customers: 3 });
    expect(report.rejectedByReason).toEqual({
      missing_target: 1,
      unparseable_target: 1,
      duplicate_customer_id: 1,
    });
    expect(report.schema.columnTypes).toEqual({
      Customer_ID: 'string',
      Age: 'double',
      Gender: 'string',
      Purchase_Frequency: 'double',
      Average_Spending: 'double',
      Last_Purchase_Date: 'timestamp',
      Future_Value: 'double',
    });
    const { rows, types } = await duckdbRead(
      out,
      report.outputs.normalized as string,
      'select * from t order by customer_id',
    );
    expect(types).toMatchObject({
      customer_id: 'VARCHAR',
      Age: 'DOUBLE',
      Last_Purchase_Date: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(rows.map((r) => [r.customer_id, r.Future_Value, r.Gender])).toEqual([
      ['1', 640.5, 'F'],
      ['2', 80, 'M'],
      ['5', 210, null],
    ]);
  });
});
