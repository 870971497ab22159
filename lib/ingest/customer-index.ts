import type { TransactionTable } from './transaction-table';

/**
 * The table's rows grouped by customer and ordered by time inside each group (ties keep row order), built
 * once per table: every as-of date then reads a prefix of each customer's rows, so training at c−H,
 * c−2H, … and scoring at c share one sort.
 */
export interface CustomerIndex {
  /** Row numbers of the table, ordered by (customer, time). */
  readonly rows: Int32Array;
  /** Customer c's rows are `rows[start[c]] … rows[start[c + 1] − 1]`. */
  readonly start: Int32Array;
}

const built = new WeakMap<TransactionTable, CustomerIndex>();

/**
 * Groups rows by customer with a counting sort (O(n), two Int32Arrays, no object per row), then sorts
 * each customer's rows by time: usually already in order (exports are chronological), so the check is
 * all it costs. Cached per table.
 */
export function customerIndex(table: TransactionTable): CustomerIndex {
  const cached = built.get(table);
  if (cached) return cached;
  const customers = table.customerIds.length;
  const start = new Int32Array(customers + 1);
  for (let i = 0; i < table.length; i++) {
    const c = table.customer[i] as number;
    start[c + 1] = (start[c + 1] as number) + 1;
  }
  for (let c = 0; c < customers; c++) start[c + 1] = (start[c + 1] as number) + (start[c] as number);
  const next = start.slice(0, customers);
  const rows = new Int32Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const c = table.customer[i] as number;
    rows[next[c] as number] = i;
    next[c] = (next[c] as number) + 1;
  }
  for (let c = 0; c < customers; c++)
    sortByTime(rows, start[c] as number, start[c + 1] as number, table.time);
  const index = { rows, start };
  built.set(table, index);
  return index;
}

/** End (exclusive) of customer c's rows with time < asOf, by binary search over the time-ordered group. */
export function visibleEnd(index: CustomerIndex, time: Float64Array, c: number, asOf: number): number {
  let lo = index.start[c] as number;
  let hi = index.start[c + 1] as number;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[index.rows[mid] as number] as number) < asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortByTime(rows: Int32Array, from: number, to: number, time: Float64Array): void {
  let sorted = true;
  for (let i = from + 1; i < to && sorted; i++) {
    sorted = (time[rows[i - 1] as number] as number) <= (time[rows[i] as number] as number);
  }
  if (sorted) return;
  // Row numbers ascend within a group, so comparing them second keeps ties in input order.
  const group = Array.from(rows.subarray(from, to));
  group.sort((i, j) => (time[i] as number) - (time[j] as number) || i - j);
  rows.set(group, from);
}
