import { customerIndex, visibleEnd } from '../ingest/customer-index';
import type { TransactionTable } from '../ingest/transaction-table';
import { type BgNbdFit, expectedTransactions, fitBgNbd, probabilityAlive } from '../model/bg-nbd';
import type { FeatureMatrix } from '../model/feature-matrix';
import { expectedOrderValue, fitGammaGamma, type GammaGammaFit } from '../model/gamma-gamma';
import type { SeasonalLevelSpec } from '../model/seasonal-level';
import { DAY_MS } from '../time';

/** Trailing windows (days before the as-of instant) for windowed spend and order counts. */
export const FEATURE_WINDOWS_DAYS = [30, 90, 180, 365] as const;
const DEFAULT_HORIZON_DAYS = 90;
const DEFAULT_CATEGORY_TOP_K = 10;
/** Suffix of the one-hot column that collects every level outside the kept ones. */
export const OTHER_LEVEL = '__other__';

/** Names of the columns every feature matrix starts with, in order; categorical one-hots follow. */
export const BASE_FEATURE_NAMES: readonly string[] = [
  'recency_days',
  'frequency',
  'tenure_days',
  'order_count',
  'total_spend',
  'mean_order_value',
  'max_order_value',
  'std_order_value',
  ...FEATURE_WINDOWS_DAYS.flatMap((w) => [`spend_${w}d`, `orders_${w}d`]),
  'return_count',
  'return_amount',
  'gap_mean_days',
  'gap_std_days',
  'days_since_last',
  'days_since_first',
  'bgnbd_p_alive',
  'bgnbd_expected_transactions',
  'gg_expected_order_value',
  'bgnbd_gg_expected_spend',
];
const COL = Object.fromEntries(BASE_FEATURE_NAMES.map((name, i) => [name, i])) as Record<string, number>;
const WINDOW_COLUMN = FEATURE_WINDOWS_DAYS.map((w) => COL[`spend_${w}d`] as number);

/**
 * Everything besides the transactions that decides a feature matrix. A model stores the spec it was
 * trained with and passes it back when scoring, so serving builds exactly the training columns with the
 * same fitted BG/NBD and Gamma-Gamma parameters.
 */
export interface FeatureSpec {
  /** Horizon (days) of the BG/NBD expectations. */
  horizonDays: number;
  /** Kept levels of each categorical column, most frequent first (one-hot, plus an "other" column). */
  categoryLevels: Record<string, string[]>;
  bgNbd: BgNbdFit;
  gammaGamma: GammaGammaFit;
  /**
   * The money level fitted at the as-of date (lib/model/seasonal-level.ts): the per-customer P(alive),
   * expected orders and lifetime value of predictions.csv and the API come from it. Set by training (absent
   * in specs of models trained before it, and in the spec computeFeatures returns).
   */
  seasonal?: SeasonalLevelSpec;
}

export interface FeatureOptions {
  /** Horizon (days) of the BG/NBD expectations; default 90. */
  horizonDays?: number;
  /** Fixed categorical levels (serving); when absent the top `categoryTopK` levels by customers are kept. */
  categoryLevels?: Record<string, string[]>;
  categoryTopK?: number;
  /** Fitted parameters (serving); when absent they are fitted on the visible history itself. */
  bgNbd?: BgNbdFit;
  gammaGamma?: GammaGammaFit;
}

/** A feature matrix with the spec that produced it. */
export interface CustomerFeatures extends FeatureMatrix {
  readonly spec: FeatureSpec;
}

/**
 * Per-customer features as of `asOf` (epoch ms, exclusive: a transaction is visible iff time < asOf), one
 * row per customer with a visible transaction, in customer-id order. The same function serves training
 * rows and scoring, so there is no training/serving skew; nothing at or after `asOf` is read.
 *
 * Conventions (all durations in days):
 * - BTYD summary (as in BG/NBD): a purchase day is a UTC day with any transaction; frequency = purchase
 *   days − 1; recency = last − first purchase day; tenure = last visible day − first purchase day.
 * - An order is an order id, or a day for rows without one; an order whose net value is ≥ 0 is a
 *   purchase (order count, order value stats, windowed order counts), a negative one is a return.
 *   Returns are counted per negative row (`return_count`, `return_amount` as a positive sum).
 * - Windowed spend is net; gaps are between consecutive purchase days (0 with fewer than two).
 * - Categorical columns take the customer's latest non-missing value.
 * - BG/NBD + Gamma-Gamma are fitted on this same visible history unless `options` carries fitted ones.
 */
export function computeFeatures(
  table: TransactionTable,
  asOf: number,
  options: FeatureOptions = {},
): CustomerFeatures {
  return featuresFromSummary(table, summarize(table, asOf, visibleCustomers(table, asOf)), options);
}

/**
 * Per-customer summaries as of a date, before the fitted and the categorical columns: what
 * computeFeatures builds from a TransactionTable for a request's few rows, and what
 * sql/customer-features.sql returns for the batch path (lib/features/feature-engine.ts).
 */
export interface FeatureSummary extends BtydSummary {
  /** The customers (ascending indices of the table), one row each. */
  customers: Int32Array;
  /** {@link BASE_FEATURE_NAMES} columns, row-major, the BTYD expectation columns left at 0. */
  base: Float32Array;
  /** Per categorical column of the table, the latest non-missing code of each row's customer (−1: none). */
  lastCodes: Record<string, Int32Array>;
}

/**
 * The feature matrix of a summary: BG/NBD and Gamma-Gamma fitted on it unless `options` carries fits,
 * their expectations, and the one-hot columns of the categorical levels (the top `categoryTopK` levels by
 * customers unless `options` fixes them). `table` names the category codes of `summary.lastCodes`.
 */
export function featuresFromSummary(
  table: TransactionTable,
  summary: FeatureSummary,
  options: FeatureOptions = {},
): CustomerFeatures {
  const rows = summary.customers.length;
  const baseCols = BASE_FEATURE_NAMES.length;
  const categoryLevels = options.categoryLevels ?? topLevels(table, summary.lastCodes, options.categoryTopK);
  const categoryColumns = Object.keys(categoryLevels).sort();
  const names = [...BASE_FEATURE_NAMES];
  for (const column of categoryColumns) {
    for (const level of categoryLevels[column] ?? []) names.push(`cat_${column}=${level}`);
    names.push(`cat_${column}=${OTHER_LEVEL}`);
  }
  const cols = names.length;
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    values.set(summary.base.subarray(r * baseCols, (r + 1) * baseCols), r * cols);

  const horizonDays = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const recencyFrequency = { frequency: summary.x, recency: summary.recency, tenure: summary.tenure };
  const bgNbd = options.bgNbd ?? fitBgNbd(recencyFrequency);
  const gammaGamma =
    options.gammaGamma ?? fitGammaGamma(summary.x, summary.repeatMean, summary.firstDaySpend);
  for (let r = 0; r < rows; r++) {
    const x = summary.x[r] as number;
    const recency = summary.recency[r] as number;
    const tenure = summary.tenure[r] as number;
    const transactions = expectedTransactions(bgNbd, x, recency, tenure, horizonDays);
    const orderValue = expectedOrderValue(gammaGamma, x, summary.repeatMean[r] as number);
    const at = r * cols;
    values[at + (COL.bgnbd_p_alive as number)] = probabilityAlive(bgNbd, x, recency, tenure);
    values[at + (COL.bgnbd_expected_transactions as number)] = transactions;
    values[at + (COL.gg_expected_order_value as number)] = orderValue;
    values[at + (COL.bgnbd_gg_expected_spend as number)] = transactions * orderValue;
  }

  let col = baseCols;
  for (const column of categoryColumns) {
    const levels = categoryLevels[column] ?? [];
    const codes = summary.lastCodes[column];
    // Levels are matched by name: another table (a serving request) interns codes in its own order.
    const levelOfCode = new Map<number, number>();
    table.categories[column]?.values.forEach((value, code) => {
      const level = levels.indexOf(value);
      levelOfCode.set(code, level >= 0 ? level : levels.length);
    });
    for (let r = 0; r < rows; r++) {
      const code = codes ? (codes[r] as number) : -1;
      const level = code >= 0 ? levelOfCode.get(code) : undefined;
      if (level !== undefined) values[r * cols + col + level] = 1;
    }
    col += levels.length + 1;
  }
  containNonFinite(values);
  return {
    names,
    rows,
    cols,
    values,
    customers: summary.customers,
    spec: { horizonDays, categoryLevels, bgNbd, gammaGamma },
  };
}

/** The largest finite float32: the type of features and labels. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Hold every value finite, in place: NaN becomes 0 and ±Infinity ±the largest float32. Ingest rejects
 * absurd rows (lib/ingest/order-limits.ts), but a feature or label that still overflows (a table built
 * another way, a sum of many large orders) must not stop a dataset's training or a request for everyone:
 * the customer keeps an extreme value, which the model's transforms log-scale and clip like any outlier.
 */
export function containNonFinite<T extends Float32Array | Float64Array>(values: T): T {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) values[i] = Number.isNaN(v) ? 0 : Math.sign(v) * FLOAT32_MAX;
  }
  return values;
}

/** BG/NBD and Gamma-Gamma fitted on a summary's customers, as computeFeatures fits them when not given. */
export function fitBtyd(summary: BtydSummary): { bgNbd: BgNbdFit; gammaGamma: GammaGammaFit } {
  return {
    bgNbd: fitBgNbd({ frequency: summary.x, recency: summary.recency, tenure: summary.tenure }),
    gammaGamma: fitGammaGamma(summary.x, summary.repeatMean, summary.firstDaySpend),
  };
}

/** Customers (ascending ids) with at least one transaction before `asOf`. */
export function visibleCustomers(table: TransactionTable, asOf: number): Int32Array {
  const index = customerIndex(table);
  const customers = table.customerIds.length;
  const visible = new Int32Array(customers);
  let n = 0;
  for (let c = 0; c < customers; c++) {
    const first = index.start[c] as number;
    if (first < (index.start[c + 1] as number) && (table.time[index.rows[first] as number] as number) < asOf)
      visible[n++] = c;
  }
  return visible.slice(0, n);
}

/**
 * The BG/NBD and Gamma-Gamma inputs of every visible customer as of `asOf`, in {@link visibleCustomers}
 * order and with computeFeatures' conventions: what the fits see, for benchmarks and diagnostics.
 */
export function btydSummary(table: TransactionTable, asOf: number): BtydSummary {
  const { x, recency, tenure, repeatMean, firstDaySpend } = summarize(
    table,
    asOf,
    visibleCustomers(table, asOf),
  );
  return { x, recency, tenure, repeatMean, firstDaySpend };
}

/** Per customer: repeat purchase days x, recency and tenure in days, mean repeat-day spend, first-day spend. */
export interface BtydSummary {
  x: Float64Array;
  recency: Float64Array;
  tenure: Float64Array;
  /** Mean net value of the repeat purchase days (0 without repeats): Gamma-Gamma's input. */
  repeatMean: Float64Array;
  firstDaySpend: Float64Array;
}

function summarize(table: TransactionTable, asOf: number, population: Int32Array): FeatureSummary {
  const index = customerIndex(table);
  const rows = population.length;
  const cols = BASE_FEATURE_NAMES.length;
  const base = new Float32Array(rows * cols);
  const x = new Float64Array(rows);
  const recency = new Float64Array(rows);
  const tenure = new Float64Array(rows);
  const repeatMean = new Float64Array(rows);
  const firstDaySpend = new Float64Array(rows);
  const categoryNames = Object.keys(table.categories);
  const lastCodes: Record<string, Int32Array> = {};
  for (const name of categoryNames) lastCodes[name] = new Int32Array(rows).fill(-1);

  const lastVisibleDay = Math.floor((asOf - 1) / DAY_MS);
  const windowStart = FEATURE_WINDOWS_DAYS.map((w) => asOf - w * DAY_MS);
  const { time, amount, order } = table;
  // Orders are grouped with a slot per distinct order of the current customer; slotOfOrder maps a global
  // order id to its slot and is reset after each customer, so grouping costs O(rows), not a Map per customer.
  const slotOfOrder = new Int32Array(table.orderIds.length).fill(-1);
  let capacity = 64;
  let slotValue = new Float64Array(capacity);
  let slotLastTime = new Float64Array(capacity);
  const touchedOrders: number[] = [];

  for (let r = 0; r < rows; r++) {
    const c = population[r] as number;
    const lo = index.start[c] as number;
    const hi = visibleEnd(index, time, c, asOf);
    if (hi - lo > capacity) {
      capacity = 2 * (hi - lo);
      slotValue = new Float64Array(capacity);
      slotLastTime = new Float64Array(capacity);
    }
    let total = 0;
    let returnCount = 0;
    let returnAmount = 0;
    let days = 0;
    let firstDay = 0;
    let currentDay = Number.NaN;
    let dayValue = 0;
    let firstValue = 0;
    let repeatSum = 0;
    let gapMean = 0;
    let gapM2 = 0;
    let slots = 0;
    let dayOrderDay = Number.NaN;
    let dayOrderSlot = -1;
    const windowSpend = new Float64Array(windowStart.length);
    for (let k = lo; k < hi; k++) {
      const i = index.rows[k] as number;
      const t = time[i] as number;
      const value = amount[i] as number;
      const day = Math.floor(t / DAY_MS);
      total += value;
      if (value < 0) {
        returnCount++;
        returnAmount -= value;
      }
      if (day !== currentDay) {
        if (days === 1) firstValue = dayValue;
        else if (days > 1) repeatSum += dayValue;
        if (days === 0) firstDay = day;
        else {
          // Welford's update of the mean and squared deviations of inter-purchase gaps.
          const gap = day - currentDay;
          const delta = gap - gapMean;
          gapMean += delta / days;
          gapM2 += delta * (gap - gapMean);
        }
        days++;
        currentDay = day;
        dayValue = 0;
      }
      dayValue += value;
      for (let w = 0; w < windowStart.length; w++)
        if (t >= (windowStart[w] as number)) windowSpend[w] = (windowSpend[w] as number) + value;

      let slot: number;
      const o = order[i] as number;
      if (o >= 0) {
        slot = slotOfOrder[o] as number;
        if (slot < 0) {
          slot = slots++;
          slotOfOrder[o] = slot;
          touchedOrders.push(o);
          slotValue[slot] = 0;
        }
      } else {
        if (day !== dayOrderDay) {
          dayOrderDay = day;
          dayOrderSlot = slots++;
          slotValue[dayOrderSlot] = 0;
        }
        slot = dayOrderSlot;
      }
      slotValue[slot] = (slotValue[slot] as number) + value;
      slotLastTime[slot] = t;
    }
    if (days === 1) firstValue = dayValue;
    else repeatSum += dayValue;
    for (const o of touchedOrders) slotOfOrder[o] = -1;
    touchedOrders.length = 0;

    let orders = 0;
    let orderSum = 0;
    let orderMax = 0;
    // Welford's running mean and squared deviations, as STDDEV_POP in sql/customer-features.sql: equal
    // orders give exactly 0 (Σx² − n·mean² left float noise, which the batch SQL does not have).
    let runningMean = 0;
    let squaredDeviations = 0;
    const windowOrders = new Float64Array(windowStart.length);
    for (let s = 0; s < slots; s++) {
      const v = slotValue[s] as number;
      if (v < 0) continue;
      orders++;
      orderSum += v;
      const delta = v - runningMean;
      runningMean += delta / orders;
      squaredDeviations += delta * (v - runningMean);
      if (v > orderMax) orderMax = v;
      for (let w = 0; w < windowStart.length; w++)
        if ((slotLastTime[s] as number) >= (windowStart[w] as number))
          windowOrders[w] = (windowOrders[w] as number) + 1;
    }
    const orderMean = orders > 0 ? orderSum / orders : 0;
    const orderVariance = orders > 0 ? squaredDeviations / orders : 0;

    const firstTime = time[index.rows[lo] as number] as number;
    const lastTime = time[index.rows[hi - 1] as number] as number;
    x[r] = days - 1;
    recency[r] = currentDay - firstDay;
    tenure[r] = lastVisibleDay - firstDay;
    repeatMean[r] = days > 1 ? repeatSum / (days - 1) : 0;
    firstDaySpend[r] = firstValue;

    const at = r * cols;
    base[at + (COL.recency_days as number)] = recency[r] as number;
    base[at + (COL.frequency as number)] = days - 1;
    base[at + (COL.tenure_days as number)] = tenure[r] as number;
    base[at + (COL.order_count as number)] = orders;
    base[at + (COL.total_spend as number)] = total;
    base[at + (COL.mean_order_value as number)] = orderMean;
    base[at + (COL.max_order_value as number)] = orderMax;
    base[at + (COL.std_order_value as number)] = Math.sqrt(orderVariance);
    for (let w = 0; w < windowStart.length; w++) {
      base[at + (WINDOW_COLUMN[w] as number)] = windowSpend[w] as number;
      base[at + (WINDOW_COLUMN[w] as number) + 1] = windowOrders[w] as number;
    }
    base[at + (COL.return_count as number)] = returnCount;
    base[at + (COL.return_amount as number)] = returnAmount;
    base[at + (COL.gap_mean_days as number)] = days > 1 ? gapMean : 0;
    base[at + (COL.gap_std_days as number)] = days > 2 ? Math.sqrt(gapM2 / (days - 1)) : 0;
    base[at + (COL.days_since_last as number)] = (asOf - lastTime) / DAY_MS;
    base[at + (COL.days_since_first as number)] = (asOf - firstTime) / DAY_MS;

    for (const name of categoryNames) {
      const codes = table.categories[name]?.codes;
      const last = lastCodes[name] as Int32Array;
      for (let k = hi - 1; codes && k >= lo; k--) {
        const code = codes[index.rows[k] as number] as number;
        if (code >= 0) {
          last[r] = code;
          break;
        }
      }
    }
  }
  return { customers: population, base, x, recency, tenure, repeatMean, firstDaySpend, lastCodes };
}

/** The `topK` most common levels of each categorical column by number of customers (ties by name). */
function topLevels(
  table: TransactionTable,
  lastCodes: Record<string, Int32Array>,
  topK = DEFAULT_CATEGORY_TOP_K,
): Record<string, string[]> {
  const levels: Record<string, string[]> = {};
  for (const [name, column] of Object.entries(table.categories)) {
    const counts = new Float64Array(column.values.length);
    for (const code of lastCodes[name] ?? []) if (code >= 0) counts[code] = (counts[code] as number) + 1;
    levels[name] = column.values
      .map((value, code) => ({ value, count: counts[code] as number }))
      .filter((level) => level.count > 0)
      .sort((p, q) => q.count - p.count || (p.value < q.value ? -1 : 1))
      .slice(0, topK)
      .map((level) => level.value);
  }
  return levels;
}
