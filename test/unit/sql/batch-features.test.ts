import { beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../lib/features/compute-features';
import { type FeatureEngine, withFeatureEngine } from '../../../lib/features/feature-engine';
import { purchaseHistory } from '../../../lib/features/purchase-history';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import type { TransactionTable } from '../../../lib/ingest/transaction-table';
import type { PurchaseHistory } from '../../../lib/model/seasonal-level';
import { DAY_MS } from '../../../lib/time';
import { CDNOW_MASTER, needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../../support/datasets';

/**
 * The batch path (lib/features/feature-engine.ts: sql/customer-features.sql, customer-net-spend.sql and
 * customer-purchase-days.sql in DuckDB) against the TypeScript that must equal it, on the real datasets:
 * computeFeatures and purchaseHistory, which serve the API's few rows per request (the features, and the
 * purchase days of the money level's per-customer outlook); and a plain loop over the table for net spend.
 */

/** Where the two may differ: computeFeatures stores float32 (≈ 7 significant digits), sums run in another order. */
function close(actual: number, expected: number, scale: number): boolean {
  return Math.abs(actual - expected) <= 2e-5 * Math.max(1, Math.abs(expected), scale);
}

/** Every cell where the SQL's matrix and computeFeatures' (the SQL's fits given) differ. */
async function matrixDifferences(
  table: TransactionTable,
  engine: FeatureEngine,
  asOf: number,
  horizonDays: number,
) {
  const sql = await engine.features(asOf, { horizonDays });
  const api = computeFeatures(table, asOf, {
    horizonDays,
    categoryLevels: sql.spec.categoryLevels,
    bgNbd: sql.spec.bgNbd,
    gammaGamma: sql.spec.gammaGamma,
  });
  const found: string[] = [];
  if (sql.names.join() !== api.names.join()) found.push(`columns ${sql.names} vs ${api.names}`);
  if (sql.customers.join() !== api.customers.join()) found.push('customers differ');
  const scaleCol = api.names.indexOf('total_spend');
  for (let r = 0; r < api.rows && found.length < 10; r++) {
    const scale = Math.abs(api.values[r * api.cols + scaleCol] as number);
    for (let c = 0; c < api.cols; c++) {
      const a = sql.values[r * sql.cols + c] as number;
      const b = api.values[r * api.cols + c] as number;
      if (!close(a, b, scale))
        found.push(`${table.customerIds[api.customers[r] as number]} ${api.names[c]}: sql ${a}, api ${b}`);
    }
  }
  return { rows: api.rows, cols: api.cols, found };
}

/** Net spend in [from, to) by customer, clipped at 0: the loop the SQL must equal. */
function netSpendLoop(
  table: TransactionTable,
  customers: Int32Array,
  from: number,
  to: number,
): Float32Array {
  const sums = new Float64Array(table.customerIds.length);
  for (let i = 0; i < table.length; i++) {
    const t = table.time[i] as number;
    const c = table.customer[i] as number;
    if (t >= from && t < to) sums[c] = (sums[c] as number) + (table.amount[i] as number);
  }
  return Float32Array.from(customers, (c) => Math.max(0, sums[c] as number));
}

/** Per customer, `day:spend` of each purchase day, ascending. */
function historyDays(history: PurchaseHistory): string[][] {
  return Array.from({ length: history.start.length - 1 }, (_, r) => {
    const out: string[] = [];
    for (let k = history.start[r] as number; k < (history.start[r + 1] as number); k++)
      out.push(`${history.day[k]}:${(history.spend[k] as number).toFixed(6)}`);
    return out;
  });
}

describe.each([
  {
    name: 'CDNOW',
    files: () => [CDNOW_MASTER],
    asOfs: ['1997-04-01', '1997-10-01', '1998-07-01'],
    horizon: 181,
  },
  {
    name: 'Online Retail',
    files: () => [ONLINE_RETAIL_DAYS as string],
    asOfs: ['2011-03-10', '2011-09-10', '2011-12-10'],
    horizon: 91,
    skip: !ONLINE_RETAIL_DAYS,
  },
])('the batch SQL on $name', ({ name, files, asOfs, horizon, skip }) => {
  let table: TransactionTable;
  beforeAll(async () => {
    if (!skip) table = (await loadTransactionsFromFiles(files())).table;
  }, 120_000);

  it.skipIf(skip)(
    needsOnlineRetail(
      `${name}: computeFeatures (the API's TypeScript) equals sql/customer-features.sql on every column`,
    ),
    async () => {
      await withFeatureEngine(table, async (engine) => {
        for (const day of asOfs) {
          // Act
          const { rows, cols, found } = await matrixDifferences(table, engine, Date.parse(day), horizon);
          // Assess
          expect(rows).toBeGreaterThan(1000);
          expect(cols).toBeGreaterThanOrEqual(28);
          expect(found).toEqual([]);
        }
      });
    },
    120_000,
  );

  it.skipIf(skip)(
    needsOnlineRetail(
      `${name}: net spend equals the loop over the table, purchase days the API's purchaseHistory`,
    ),
    async () => {
      await withFeatureEngine(table, async (engine) => {
        for (const day of asOfs) {
          // Prepare
          const asOf = Date.parse(day);
          const customers = (await engine.features(asOf)).customers;
          // Act
          const spend = await engine.netSpend(customers, asOf - horizon * DAY_MS, asOf);
          const history = await engine.purchaseHistory(asOf, customers);
          // Assess
          const expected = netSpendLoop(table, customers, asOf - horizon * DAY_MS, asOf);
          expect(spend.every((v, i) => close(v, expected[i] as number, 0))).toBe(true);
          expect(historyDays(history)).toEqual(historyDays(purchaseHistory(table, asOf, customers)));
          expect(history.endDay).toBe(Math.ceil(asOf / DAY_MS));
        }
      });
    },
    120_000,
  );
});
