import { customerIndex, visibleEnd } from '../ingest/customer-index';
import type { TransactionTable } from '../ingest/transaction-table';
import type { PurchaseHistory } from '../model/seasonal-level';
import { DAY_MS } from '../time';

/**
 * The purchase days of each customer of `population` before `asOf` (computeFeatures' conventions: a
 * purchase day is a UTC day with any transaction, its spend the day's net amount), in population order.
 * The per-customer outlook's few rows (an API request, a batch's customers) read it here; the money level's
 * fit reads the same from sql/customer-purchase-days.sql (FeatureEngine.purchaseHistory), tested equal on
 * the real datasets (test/unit/sql/batch-features.test.ts).
 */
export function purchaseHistory(
  table: TransactionTable,
  asOf: number,
  population: Int32Array,
): PurchaseHistory {
  const index = customerIndex(table);
  const start = new Int32Array(population.length + 1);
  const days: number[] = [];
  const spend: number[] = [];
  population.forEach((c, r) => {
    let current = Number.NaN;
    for (let k = index.start[c] as number; k < visibleEnd(index, table.time, c, asOf); k++) {
      const row = index.rows[k] as number;
      const day = Math.floor((table.time[row] as number) / DAY_MS);
      if (day !== current) {
        days.push(day);
        spend.push(0);
        current = day;
      }
      spend[spend.length - 1] = (spend[spend.length - 1] as number) + (table.amount[row] as number);
    }
    start[r + 1] = days.length;
  });
  return {
    endDay: Math.ceil(asOf / DAY_MS),
    start,
    day: Int32Array.from(days),
    spend: Float64Array.from(spend),
  };
}
