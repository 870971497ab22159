import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestStream, loadNormalizedTransactions, loadTransactionsFromFiles } from '../../../lib/ingest';
import { CDNOW_MASTER, needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../../support/datasets';
import { duckdbRead, tempStore } from './helpers';

function total(reports: { rowsRead: number; rowsAccepted: number; rowsRejected: number }[]) {
  return {
    read: reports.reduce((a, r) => a + r.rowsRead, 0),
    accepted: reports.reduce((a, r) => a + r.rowsAccepted, 0),
    rejected: reports.reduce((a, r) => a + r.rowsRejected, 0),
  };
}

describe('the real datasets, with no mapping', () => {
  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail('loads the whole Online Retail folder with exact counts'),
    async () => {
      const { table, reports } = await loadTransactionsFromFiles([ONLINE_RETAIL_DAYS as string]);
      expect(reports).toHaveLength(305);
      expect(reports.every((r) => r.status === 'ok')).toBe(true);
      expect(total(reports)).toEqual({ read: 541_909, accepted: 406_829, rejected: 135_080 });
      expect(
        reports.every((r) => Object.keys(r.rejectedByReason).every((k) => k === 'missing_customer_id')),
      ).toBe(true);
      expect(table.length).toBe(406_829);
      expect(table.customerIds).toHaveLength(4_372);
      expect(table.customerIds).toContain('17850');
      expect(table.categories.country?.values).toContain('United Kingdom');
    },
    60_000,
  );

  it('ingests CDNOW (whitespace-separated) into Parquet that DuckDB and the loader read back', async () => {
    const out = await tempStore();
    const report = await ingestStream({
      open: async () => createReadStream(CDNOW_MASTER),
      dataset: 'cdnow',
      source: 'master',
      out,
    });
    expect(report).toMatchObject({ status: 'ok', rowsRead: 69_659, rowsAccepted: 69_659, customers: 23_570 });
    expect(report.amountTotal).toBeCloseTo(2_500_315.63, 2);
    expect(report.dateRange).toEqual({ first: '1997-01-01T00:00:00.000Z', last: '1998-06-30T00:00:00.000Z' });
    const { rows } = await duckdbRead(
      out,
      report.outputs.normalized as string,
      'select count(*) as n, count(distinct customer_id) as c, min(customer_id) as first from t',
    );
    expect(rows[0]).toEqual({ n: 69_659n, c: 23_570n, first: '00001' });
    const table = await loadNormalizedTransactions(out, 'cdnow');
    expect(table.length).toBe(69_659);
    expect(table.customerIds).toHaveLength(23_570);
  }, 60_000);
});
