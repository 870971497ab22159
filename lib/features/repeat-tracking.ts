import type { TransactionTable } from '../ingest/transaction-table';
import { expectedOrdersUpTo, type SeasonalLevelSpec } from '../model/seasonal-level';
import { DAY_MS } from '../time';
import { purchaseHistory } from './purchase-history';

/**
 * The classic BTYD tracking plot (lifetimes' plot_incremental_transactions) over a window: per week, the
 * purchase days the customers known at its start really made, and the money level's forecast of them.
 */
export interface RepeatTracking {
  /** First day (YYYY-MM-DD) of each week of the window; the last week may be shorter. */
  weekStarts: string[];
  /** Days in each week (7, the last one up to 7). */
  weekDays: number[];
  actual: number[];
  predicted: number[];
  /** Customers known at the window's start; the forecast summed a seeded share of them when there are many. */
  customers: number;
  forecastFrom?: number;
}

/** Above this many customers the forecast sums every k-th customer and scales up (the actual counts all). */
const MAX_FORECAST_CUSTOMERS = 50_000;

/**
 * Weekly repeat purchase days (a customer's distinct purchase days, BG/NBD's unit) of `customers` (indices of
 * `table`, all with a purchase before `from`) over the `horizonDays` days from `from` (epoch ms, a UTC
 * midnight), beside the forecast of `spec` (fitted at `from`) for them: expected purchase days up to each
 * week's end, differenced.
 */
export function repeatTracking(
  table: TransactionTable,
  from: number,
  customers: Int32Array,
  spec: SeasonalLevelSpec,
  horizonDays: number,
): RepeatTracking {
  const weeks = Math.ceil(horizonDays / 7);
  const ends = Array.from({ length: weeks }, (_, w) => Math.min(7 * (w + 1), horizonDays));
  const startDay = Math.floor(from / DAY_MS);
  const actual = new Array<number>(weeks).fill(0);
  const seen = purchaseHistory(table, from + horizonDays * DAY_MS, customers);
  for (const day of seen.day) {
    const w = Math.floor((day - startDay) / 7);
    if (w >= 0) actual[w] = (actual[w] as number) + 1;
  }

  const stride = Math.ceil(customers.length / MAX_FORECAST_CUSTOMERS);
  const sample = stride > 1 ? customers.filter((_, i) => i % stride === 0) : customers;
  const cumulative = expectedOrdersUpTo(spec, purchaseHistory(table, from, sample), ends);
  const totals = new Array<number>(weeks).fill(0);
  for (let r = 0; r < sample.length; r++)
    for (let w = 0; w < weeks; w++) totals[w] = (totals[w] as number) + (cumulative[r * weeks + w] as number);
  const scale = customers.length / Math.max(1, sample.length);
  return {
    weekStarts: ends.map((_, w) => new Date(from + 7 * w * DAY_MS).toISOString().slice(0, 10)),
    weekDays: ends.map((end, w) => end - 7 * w),
    actual,
    predicted: totals.map((t, w) => round(scale * (t - (w > 0 ? (totals[w - 1] as number) : 0)))),
    customers: customers.length,
    ...(stride > 1 && { forecastFrom: sample.length }),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
