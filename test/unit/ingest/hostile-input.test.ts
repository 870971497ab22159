import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { MAX_ABS_AMOUNT } from '../../../lib/ingest/order-limits';
import { duckdbRead, ingestFixture, tempStore } from './helpers';

/** Issue 17: files an attacker or an unlucky exporter could upload. Each test failed on the code before it. */

const HEADER = 'customer_id,order_date,total\n';
const GOOD = 'c1,2024-01-02,10.00\nc2,2024-01-03,5.50\n';

/** Set INGEST_* limits for one test (read when the ingest opens its DuckDB session). */
const saved: Record<string, string | undefined> = {};
function withLimit(variable: string, value: string): void {
  if (!(variable in saved)) saved[variable] = process.env[variable];
  process.env[variable] = value;
}
afterEach(() => {
  for (const [variable, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
    delete saved[variable];
  }
});

/** Ingest text (not a fixture file) into a fresh store. */
function ingestText(text: string, source = 'upload') {
  return ingestFixture(Buffer.from(text), { source });
}

async function quarantine(out: Awaited<ReturnType<typeof tempStore>>, key: string): Promise<string[][]> {
  return parse(await readFile(path.join(out.root, key), 'utf8'), { relax_column_count: true }) as string[][];
}

describe('hostile and broken input', () => {
  it('reads RFC 4180 quoted fields holding line breaks, with the line each record ends on', async () => {
    // Prepare
    const text =
      'customer_id,order_date,total,note\n' +
      'c1,2024-01-02,10.00,"Flat 2\nHigh Street, ""the corner"""\n' +
      'c2,2024-01-03,5.50,plain\n' +
      'c3,not a date,1.00,"two\r\nlines"\n';

    // Act
    const { report, out } = await ingestText(text, 'notes');

    // Assess
    expect(report).toMatchObject({ status: 'ok', rowsRead: 3, rowsAccepted: 2, rowsRejected: 1 });
    const { rows } = await duckdbRead(out, report.outputs.normalized as string);
    expect(rows.map((r) => [r.customer_id, r.source_line])).toEqual([
      ['c1', 3n],
      ['c2', 4n],
    ]);
    expect((await quarantine(out, report.outputs.quarantine as string))[1]?.slice(0, 2)).toEqual([
      '6',
      'unparseable_date',
    ]);
  });

  it('rejects one over-long record with a reason and keeps the good rows around it', async () => {
    const long = `c9,2024-01-04,${'9'.repeat(100_000)}\n`;
    const { report, out } = await ingestText(`${HEADER}c1,2024-01-02,10.00\n${long}c2,2024-01-03,5.50\n`);
    expect(report).toMatchObject({
      status: 'ok',
      rowsAccepted: 2,
      rejectedByReason: { record_too_long: 1 },
    });
    expect((await quarantine(out, report.outputs.quarantine as string))[1]).toEqual(['3', 'record_too_long']);
  });

  it('rejects a quoted field left open for more than a record may hold, and goes on after it', async () => {
    withLimit('INGEST_MAX_RECORD_BYTES', '1000');
    const open = `c9,2024-01-04,"${'x\n'.repeat(600)}`;
    const { report } = await ingestText(`${HEADER}c1,2024-01-02,10.00\n${open}\nc2,2024-01-03,5.50\n`);
    expect(report.status).toBe('ok');
    expect(report.rejectedByReason.record_too_long).toBe(1);
    expect(report.rowsAccepted).toBeGreaterThanOrEqual(1);
  });

  it('parses in linear time: 50 amounts of 40,000 digits and a letter are rejected, not a timeout', async () => {
    // Before: about 3 s a row (150 s here, past the test's time limit).
    const bad = `c9,2024-01-04,${'1'.repeat(40_000)}x\n`.repeat(50);
    withLimit('INGEST_MAX_RECORD_BYTES', String(64 * 1024));
    const { report } = await ingestText(`${HEADER}${bad}${GOOD}`);
    expect(report).toMatchObject({ rowsAccepted: 2, rejectedByReason: { unparseable_amount: 50 } });
  });

  it('rejects rows that cannot be orders: non-finite or absurd amounts, dates before 1970 or in the future', async () => {
    const rows = [
      'c1,2024-01-02,10.00',
      `c2,2024-01-02,${MAX_ABS_AMOUNT}`,
      'c3,2024-01-02,1e308',
      'c4,2024-01-02,1e400',
      'c5,2024-01-02,-1e10',
      'c6,1969-12-31,1.00',
      'c7,9999-12-31,1.00',
      'c8,1970-01-01,1.00',
    ];
    const { report } = await ingestText(`${HEADER}${rows.join('\n')}\n`);
    expect(report).toMatchObject({ rowsRead: 8, rowsAccepted: 3 });
    expect(report.rejectedByReason).toEqual({
      amount_out_of_range: 2,
      amount_not_finite: 1,
      date_before_1970: 1,
      date_in_the_future: 1,
    });
  });

  it('rejects absurd quantity × unit price products as amounts out of range or not finite', async () => {
    const text =
      'CustomerID,InvoiceDate,Quantity,UnitPrice\nc1,2024-01-02,2,3.5\nc2,2024-01-02,1e200,1e200\nc3,2024-01-02,1e6,1e6\n';
    const { report } = await ingestText(text);
    expect(report).toMatchObject({ rowsAccepted: 1, amountTotal: 7 });
    expect(report.rejectedByReason).toEqual({ amount_not_finite: 1, amount_out_of_range: 1 });
  });

  it('rejects an id longer than INGEST_MAX_VALUE_CHARS with a reason', async () => {
    const { report } = await ingestText(`${HEADER}${'c'.repeat(2_000)},2024-01-02,1.00\n${GOOD}`);
    expect(report).toMatchObject({ rowsAccepted: 2, rejectedByReason: { value_too_long: 1 } });
  });

  it('fails a header wider than INGEST_MAX_COLUMNS with a reason naming the variable', async () => {
    const header = `customer_id,order_date,total,${Array.from({ length: 100_000 }, (_, i) => `x${i}`).join(',')}\n`;
    const { report } = await ingestText(`${header}c1,2024-01-02,10.00\n`);
    expect(report).toMatchObject({ status: 'failed', failureCode: 'too_many_columns' });
    expect(report.failureReason).toMatch(/INGEST_MAX_COLUMNS/);
  });

  it('keeps 200 ids of 1 MiB in a small gzip to bounded rows: each is rejected, the good rows kept', async () => {
    // Before: ~1 GB of memory, then the whole file failed as too long.
    const huge = `${'7'.repeat(2 ** 20)},2024-01-02,1.00\n`.repeat(200);
    const gz = gzipSync(Buffer.from(`${HEADER}${GOOD}${huge}`));
    expect(gz.length).toBeLessThan(300_000);
    const { report } = await ingestFixture(gz);
    expect(report).toMatchObject({
      status: 'ok',
      rowsAccepted: 2,
      rejectedByReason: { record_too_long: 200 },
    });
  });

  it('cuts input past INGEST_MAX_INPUT_BYTES at a whole line, keeps the rows before it and says so', async () => {
    withLimit('INGEST_MAX_INPUT_BYTES', '2000');
    const rows = Array.from({ length: 200 }, (_, i) => `c${i},2024-01-02,1.00`).join('\n');
    const gz = gzipSync(Buffer.from(`${HEADER}${rows}\n`));
    const { report } = await ingestFixture(gz);
    expect(report.status).toBe('ok');
    expect(report.truncated?.inputAtBytes).toBeLessThanOrEqual(2000);
    expect(report.rowsAccepted).toBeGreaterThan(50);
    expect(report.rowsAccepted).toBeLessThan(200);
    expect(report.rowsRead).toBe(report.rowsAccepted);
  });

  it('quarantines rejected rows up to INGEST_MAX_QUARANTINE_BYTES and counts every one', async () => {
    withLimit('INGEST_MAX_QUARANTINE_BYTES', '1000');
    const bad = Array.from({ length: 500 }, (_, i) => `,2024-01-02,${i}.00`).join('\n');
    const { report, out } = await ingestText(`${HEADER}${bad}\n${GOOD}`);
    expect(report).toMatchObject({ rowsAccepted: 2, rejectedByReason: { missing_customer_id: 500 } });
    const kept = report.truncated?.quarantinedRows ?? 0;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(500);
    expect(await quarantine(out, report.outputs.quarantine as string)).toHaveLength(kept + 1);
  });

  it('takes a row repeated across files once when training, while reporting it in both', async () => {
    // Prepare: the same export twice (overlapping downloads); comma.csv holds one repeat inside itself.
    const store = await tempStore();
    const text = await readFile(path.resolve(__dirname, '../../fixtures/ingest/comma.csv'));
    await store.put('a.csv', text);
    await store.put('b.csv', text);

    // Act
    const { table, reports } = await loadTransactionsFromFiles([store.root]);

    // Assess: 4 accepted rows a file (one a repeat within it, which stays), learnt from once.
    expect(reports.map((r) => [r.rowsAccepted, r.duplicateRows.acrossFiles])).toEqual([
      [4, 3],
      [4, 3],
    ]);
    expect(table.length).toBe(4);
  });
});
