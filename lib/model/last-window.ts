import { netSpendBetween } from '../ingest/customer-index';
import type { TransactionTable } from '../ingest/transaction-table';
import { DAY_MS } from '../time';

/**
 * The "spend of the last H days repeats" baseline: each customer's net spend in [asOf − H, asOf), clipped
 * at 0, is the forecast for the next H days. Reads nothing at or after `asOf`.
 */
export function predictLastWindow(
  table: TransactionTable,
  customers: Int32Array,
  asOf: number,
  horizonDays: number,
): Float32Array {
  return netSpendBetween(table, customers, asOf - horizonDays * DAY_MS, asOf);
}
