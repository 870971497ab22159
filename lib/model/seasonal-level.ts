import { Random } from '../random';
import { type BgNbdFit, expectedTransactions, fitBgNbd, probabilityAlive } from './bg-nbd';
import { expectedOrderValue, fitGammaGamma, type GammaGammaFit } from './gamma-gamma';

/**
 * The money level of a shop's customer base over the next H days: BG/NBD + Gamma-Gamma on a clock that
 * runs at the shop's own seasonal pace, with the quality of recent acquisition cohorts.
 *
 * Why: a model that learns from labelled windows inherits their level. After a holiday peak it
 * over-predicts the quiet months (its labels held the peak), after a burst of promotional customers it
 * predicts them like the customers before (who came back more), and plain BG/NBD reads a peak's many
 * purchases as fast buyers. Measured on the design suite (`bench/accuracy.ts --design`, docs/accuracy.md)
 * the predicted total was within ±20% of the actual in 57% of the cases, worst ×2.06.
 *
 * How:
 * 1. The seasonal clock. Time is re-measured in "shop days": a calendar week counts σ(w) shop days, where
 *    σ(w) is how much more (or less) the customer base bought that week than BG/NBD expected from each
 *    customer's history up to the week (one-step-ahead expectation: P(alive) · (r + x)/(α + T) per day).
 *    BG/NBD is refitted with recency and tenure in shop days and σ re-estimated, three rounds. Weeks of
 *    little data are pulled to 1; customers in their first four weeks do not inform σ (BG/NBD misses how
 *    new customers buy in their first weeks, which would otherwise read as a season wherever a shop
 *    acquires many at once). σ averages 1 over the history.
 * 2. The horizon in shop days: each future day counts σ of the same week a year earlier when the history
 *    holds it, else 1, the history's average (a peak that just ended is not assumed to go on). Design suite,
 *    level alone (`--systems seasonal_bgnbd`), totals within ±20% of 53 cases for a day without a year
 *    earlier: the history's average 51, the median of the last 26 weeks 49, of the last 13 weeks 47, the
 *    mean of the last 8 weeks 46.
 * 3. Cohort quality: a customer acquired in the last 13 weeks is forecast with the quality of its 4-week
 *    acquisition cohort: how its customers bought in their first four weeks against BG/NBD's expectation,
 *    relative to the median cohort, shrunk towards 1; the weight of the cohort fades over 13 weeks as the
 *    customer's own history takes over. A promotional burst whose customers come back less shows here
 *    first.
 * 4. Expected spend per customer = quality × E[orders in the horizon's shop days] × Gamma-Gamma's
 *    expected order value.
 */
export interface SeasonalLevelOptions {
  /** Rounds of re-estimating σ and refitting BG/NBD; default 3 (0: plain BG/NBD). */
  rounds?: number;
  /** Customers the σ estimation reads (a seeded sample above it); default 30,000. */
  sampleSize?: number;
}

/** Per-customer purchase days as of a date, the input of every BTYD model (compressed rows). */
export interface PurchaseHistory {
  /** First day not visible (the as-of instant's UTC day number: days since 1970-01-01). */
  readonly endDay: number;
  /** Customer r's purchase days are `day[start[r]] … day[start[r + 1] − 1]`, ascending, distinct. */
  readonly start: Int32Array;
  readonly day: Int32Array;
  /** Net spend of the customer on that day. */
  readonly spend: Float64Array;
}

export interface SeasonalLevel {
  /** Per customer, in the history's order. */
  readonly expectedOrders: Float64Array;
  readonly expectedSpend: Float64Array;
  readonly pAlive: Float64Array;
  readonly cohortQuality: Float64Array;
  /** Σ expectedSpend. */
  readonly total: number;
  /**
   * Σ of each customer's variance of spend, as if customers were independent: orders negative-binomial
   * around `expectedOrders` (a gamma posterior of shape r + x), order values gamma with Gamma-Gamma's shape p.
   */
  readonly totalVariance: number;
  /** The horizon's length in shop days, and how its σ was chosen. */
  readonly horizonShopDays: number;
  /** The horizon's basket index: spend per purchase day relative to the history's (1 = the same). */
  readonly valueFactor: number;
  readonly season: 'a year earlier' | 'history average' | 'partly a year earlier';
  /** σ per calendar week, oldest first; the last week ends at `endDay`. */
  readonly weekFactors: Float64Array;
  /** Spend per purchase day by calendar week, relative to each buyer's own mean (averages 1). */
  readonly basketIndex: Float64Array;
  readonly bgNbd: BgNbdFit;
  readonly gammaGamma: GammaGammaFit;
}

const ROUNDS = 3;
const SAMPLE_SIZE = 30_000;
/** A week's σ is (actual + PRIOR) / (expected + PRIOR) repeat purchases: few purchases, σ near 1. */
const PRIOR_PURCHASES = 5;
/** Customers younger than this (days) at a week's start do not inform that week's σ. */
const MIN_AGE_DAYS = 28;
/** A future day takes σ from a year earlier (52 weeks) when that week is four weeks into the history. */
const YEAR_DAYS = 364;
const COHORT_DAYS = 28;
/** Cohort quality applies fully at acquisition and fades to nothing at this age (days). */
const COHORT_FADE_DAYS = 91;
/** Shrinkage of a cohort's quality towards 1, in expected purchases. */
const COHORT_PRIOR_PURCHASES = 30;
/** Cohorts need this many expected early purchases to be a reference. */
const MIN_REFERENCE_PURCHASES = 20;

/** Forecast every customer of `history` over the next `horizonDays` days (see {@link SeasonalLevelOptions}). */
export function seasonalLevel(
  history: PurchaseHistory,
  horizonDays: number,
  options: SeasonalLevelOptions = {},
): SeasonalLevel {
  const customers = history.start.length - 1;
  const { endDay } = history;
  let firstDay = endDay - 1;
  for (let r = 0; r < customers; r++)
    firstDay = Math.min(firstDay, history.day[history.start[r] as number] as number);
  const weeks = Math.max(1, Math.ceil((endDay - firstDay) / 7));
  const sample = sampleCustomers(customers, options.sampleSize ?? SAMPLE_SIZE);
  const clock = new ShopClock(endDay, weeks);
  const early = { actual: new Float64Array(customers), expected: new Float64Array(customers) };
  let fit = fitInShopDays(history, clock);
  for (let round = 0; round < (options.rounds ?? ROUNDS) && fit.converged; round++) {
    const { actual, expected } = oneStepAhead(history, clock, fit, sample, early);
    clock.update(actual, expected);
    fit = fitInShopDays(history, clock);
  }
  const horizon = alongHorizon(clock.factor, clock, firstDay, horizonDays);
  const quality = cohortQuality(history, firstDay, early);
  const valueIndex = basketIndex(history, clock, sample);
  const valueFactor = alongHorizon(valueIndex, clock, firstDay, horizonDays).sum / horizonDays;
  const [repeats, repeatMean, firstSpend] = repeatSpend(
    history,
    (day) => valueIndex[clock.weekOf(day)] as number,
  );
  const gammaGamma = fitGammaGamma(repeats, repeatMean, firstSpend);
  const expectedOrders = new Float64Array(customers);
  const expectedSpend = new Float64Array(customers);
  const pAlive = new Float64Array(customers);
  const [x, recency, tenure] = shopDaySummary(history, clock);
  let total = 0;
  let totalVariance = 0;
  const valueCv2 = gammaGamma.converged ? 1 / gammaGamma.params.p : 1;
  const shape = fit.converged ? fit.params.r : 1;
  for (let r = 0; r < customers; r++) {
    const xr = x[r] as number;
    expectedOrders[r] =
      (quality[r] as number) *
      expectedTransactions(fit, xr, recency[r] as number, tenure[r] as number, horizon.sum);
    pAlive[r] = probabilityAlive(fit, xr, recency[r] as number, tenure[r] as number);
    const orderValue = valueFactor * expectedOrderValue(gammaGamma, xr, repeatMean[r] as number);
    const orders = expectedOrders[r] as number;
    expectedSpend[r] = orders * orderValue;
    total += expectedSpend[r] as number;
    totalVariance +=
      orderValue * orderValue * (orders + (orders * orders) / (shape + xr) + orders * valueCv2);
  }
  return {
    expectedOrders,
    expectedSpend,
    pAlive,
    cohortQuality: quality,
    total,
    totalVariance,
    horizonShopDays: horizon.sum,
    valueFactor,
    season: horizon.season,
    weekFactors: clock.factor,
    basketIndex: valueIndex,
    bgNbd: fit,
    gammaGamma,
  };
}

/** σ per calendar week (weeks end at `endDay`) and the shop-day clock it defines. */
class ShopClock {
  readonly factor: Float64Array;
  /** Shop days elapsed from the first week's start to the start of each week, and to `endDay` last. */
  private cumulative: Float64Array;

  constructor(
    readonly endDay: number,
    readonly weeks: number,
  ) {
    this.factor = new Float64Array(weeks).fill(1);
    this.cumulative = new Float64Array(weeks + 1);
    this.accumulate();
  }

  /** Week index of a day (0 = oldest); days before the first week count as week 0. */
  weekOf(day: number): number {
    return Math.max(0, this.weeks - 1 - Math.floor((this.endDay - 1 - day) / 7));
  }

  weekStart(week: number): number {
    return this.endDay - (this.weeks - week) * 7;
  }

  /** Shop days from the clock's origin to the start of `day` (at most `endDay`). */
  at(day: number): number {
    if (day >= this.endDay) return this.cumulative[this.weeks] as number;
    const w = this.weekOf(day);
    return (this.cumulative[w] as number) + (day - this.weekStart(w)) * (this.factor[w] as number);
  }

  /** σ ← σ · smoothed (actual + prior) / (expected + prior), normalized to average 1. */
  update(actual: Float64Array, expected: Float64Array): void {
    const ratio = Float64Array.from(actual, (a, w) =>
      Math.log((a + PRIOR_PURCHASES) / ((expected[w] as number) + PRIOR_PURCHASES)),
    );
    let mean = 0;
    const next = new Float64Array(this.weeks);
    for (let w = 0; w < this.weeks; w++) {
      // ±1 week, weighted by how much each week knows.
      let sum = 0;
      let weight = 0;
      for (let v = Math.max(0, w - 1); v <= Math.min(this.weeks - 1, w + 1); v++) {
        const wv = (expected[v] as number) + PRIOR_PURCHASES;
        sum += (ratio[v] as number) * wv;
        weight += wv;
      }
      next[w] = (this.factor[w] as number) * Math.exp(sum / weight);
      mean += next[w] as number;
    }
    mean /= this.weeks;
    for (let w = 0; w < this.weeks; w++) this.factor[w] = (next[w] as number) / mean;
    this.accumulate();
  }

  private accumulate(): void {
    for (let w = 0; w < this.weeks; w++)
      this.cumulative[w + 1] = (this.cumulative[w] as number) + 7 * (this.factor[w] as number);
  }
}

/** (x, recency, tenure) of every customer with times in shop days. */
function shopDaySummary(
  history: PurchaseHistory,
  clock: ShopClock,
): [Float64Array, Float64Array, Float64Array] {
  const customers = history.start.length - 1;
  const x = new Float64Array(customers);
  const recency = new Float64Array(customers);
  const tenure = new Float64Array(customers);
  const end = clock.at(history.endDay);
  for (let r = 0; r < customers; r++) {
    const from = history.start[r] as number;
    const to = history.start[r + 1] as number;
    const first = clock.at(history.day[from] as number);
    x[r] = to - from - 1;
    recency[r] = clock.at(history.day[to - 1] as number) - first;
    tenure[r] = end - first;
  }
  return [x, recency, tenure];
}

function fitInShopDays(history: PurchaseHistory, clock: ShopClock): BgNbdFit {
  const [frequency, recency, tenure] = shopDaySummary(history, clock);
  return fitBgNbd({ frequency, recency, tenure });
}

/**
 * Per week: the sampled customers' repeat purchases (actual) and what BG/NBD expected of them from their
 * history up to the week's start. Customers are counted from the week after their first purchase's week
 * and once they are {@link MIN_AGE_DAYS} old. Also records each customer's first four weeks (for cohort
 * quality), whatever their age.
 */
function oneStepAhead(
  history: PurchaseHistory,
  clock: ShopClock,
  fit: BgNbdFit,
  sample: Int32Array,
  early: { actual: Float64Array; expected: Float64Array },
): { actual: Float64Array; expected: Float64Array } {
  const actual = new Float64Array(clock.weeks);
  const expected = new Float64Array(clock.weeks);
  const { r, alpha } = fit.params;
  early.actual.fill(0);
  early.expected.fill(0);
  for (const c of sample) {
    const from = history.start[c] as number;
    const to = history.start[c + 1] as number;
    const firstDay = history.day[from] as number;
    const firstShopDay = clock.at(firstDay);
    let next = from + 1;
    for (let w = clock.weekOf(firstDay) + 1; w < clock.weeks; w++) {
      const start = clock.weekStart(w);
      const bought = next;
      while (next < to && (history.day[next] as number) < start + 7) next++;
      const x = bought - from - 1;
      const tenure = clock.at(start) - firstShopDay;
      const recency = clock.at(history.day[bought - 1] as number) - firstShopDay;
      const rate = probabilityAlive(fit, x, recency, tenure) * ((r + x) / (alpha + tenure));
      const e = rate * 7 * (clock.factor[w] as number);
      const a = next - bought;
      const age = start - firstDay;
      if (age <= COHORT_DAYS) {
        early.actual[c] = (early.actual[c] as number) + a;
        early.expected[c] = (early.expected[c] as number) + e;
      }
      if (age < MIN_AGE_DAYS) continue;
      actual[w] = (actual[w] as number) + a;
      expected[w] = (expected[w] as number) + e;
    }
  }
  return { actual, expected };
}

/**
 * Σ over the next `horizonDays` days of a weekly factor that averages 1 over the history: each day takes its
 * week a year earlier when the history holds it (four weeks past the first purchase), else 1.
 */
function alongHorizon(
  factor: Float64Array,
  clock: ShopClock,
  firstDay: number,
  horizonDays: number,
): { sum: number; season: SeasonalLevel['season'] } {
  let sum = 0;
  let yearEarlier = 0;
  for (let d = 0; d < horizonDays; d++) {
    const back = clock.endDay + d - YEAR_DAYS;
    if (back >= firstDay + MIN_AGE_DAYS) {
      sum += factor[clock.weekOf(back)] as number;
      yearEarlier++;
    } else sum += 1;
  }
  const season =
    yearEarlier === horizonDays
      ? 'a year earlier'
      : yearEarlier === 0
        ? 'history average'
        : 'partly a year earlier';
  return { sum, season };
}

/** Repeat purchase days needed in a week for its basket index to move half-way from 1. */
const BASKET_PRIOR_DAYS = 20;
/** The basket index stays within [1 / MAX_BASKET_INDEX, MAX_BASKET_INDEX]. */
const MAX_BASKET_INDEX = 4;

/**
 * Basket seasons: per calendar week, the sampled customers' repeat-day spend over their own mean repeat-day
 * spend (customers with two repeat days or more and a positive mean), pulled to 1 where few bought,
 * smoothed over ±1 week and normalized to average 1 over the repeat days. A Christmas quarter of bigger
 * baskets shows here; the same customers buying as often does not move σ.
 */
function basketIndex(history: PurchaseHistory, clock: ShopClock, sample: Int32Array): Float64Array {
  const spend = new Float64Array(clock.weeks);
  const own = new Float64Array(clock.weeks);
  const days = new Float64Array(clock.weeks);
  for (const c of sample) {
    const from = (history.start[c] as number) + 1;
    const to = history.start[c + 1] as number;
    if (to - from < 2) continue;
    let sum = 0;
    for (let k = from; k < to; k++) sum += history.spend[k] as number;
    const mean = sum / (to - from);
    if (!(mean > 0)) continue;
    for (let k = from; k < to; k++) {
      const w = clock.weekOf(history.day[k] as number);
      spend[w] = (spend[w] as number) + (history.spend[k] as number);
      own[w] = (own[w] as number) + mean;
      days[w] = (days[w] as number) + 1;
    }
  }
  const raw = Float64Array.from(spend, (s, w) => {
    const n = days[w] as number;
    const ratio = n > 0 ? Math.max(0, s) / (own[w] as number) : 1;
    return (n * ratio + BASKET_PRIOR_DAYS) / (n + BASKET_PRIOR_DAYS);
  });
  const index = new Float64Array(clock.weeks);
  let weighted = 0;
  let total = 0;
  for (let w = 0; w < clock.weeks; w++) {
    let sum = 0;
    let weight = 0;
    for (let v = Math.max(0, w - 1); v <= Math.min(clock.weeks - 1, w + 1); v++) {
      const wv = (days[v] as number) + BASKET_PRIOR_DAYS;
      sum += (raw[v] as number) * wv;
      weight += wv;
    }
    index[w] = Math.min(MAX_BASKET_INDEX, Math.max(1 / MAX_BASKET_INDEX, sum / weight));
    weighted += (index[w] as number) * (days[w] as number);
    total += days[w] as number;
  }
  const mean = total > 0 ? weighted / total : 1;
  for (let w = 0; w < clock.weeks; w++) index[w] = (index[w] as number) / mean;
  return index;
}

/**
 * Quality of each customer's 4-week acquisition cohort (see {@link SeasonalLevelOptions} 3), faded by the
 * customer's age; 1 where nothing is known. Reads the early purchases `oneStepAhead` recorded (sampled
 * customers only; unsampled ones take their cohort's quality).
 */
function cohortQuality(
  history: PurchaseHistory,
  firstDay: number,
  early: { actual: Float64Array; expected: Float64Array },
): Float64Array {
  const customers = history.start.length - 1;
  const cohorts = Math.floor((history.endDay - firstDay) / COHORT_DAYS) + 1;
  const actual = new Float64Array(cohorts);
  const expected = new Float64Array(cohorts);
  const complete = new Uint8Array(cohorts);
  const cohortOf = (r: number) =>
    Math.floor(((history.day[history.start[r] as number] as number) - firstDay) / COHORT_DAYS);
  for (let r = 0; r < customers; r++) {
    const g = cohortOf(r);
    actual[g] = (actual[g] as number) + (early.actual[r] as number);
    expected[g] = (expected[g] as number) + (early.expected[r] as number);
    if (history.endDay - (history.day[history.start[r] as number] as number) > COHORT_DAYS + 7)
      complete[g] = 1;
  }
  const references: number[] = [];
  for (let g = 0; g < cohorts; g++)
    if (complete[g] && (expected[g] as number) >= MIN_REFERENCE_PURCHASES)
      references.push((actual[g] as number) / (expected[g] as number));
  references.sort((a, b) => a - b);
  const quality = new Float64Array(customers).fill(1);
  if (references.length === 0) return quality;
  const reference = references[references.length >> 1] as number;
  if (!(reference > 0)) return quality;
  for (let r = 0; r < customers; r++) {
    const g = cohortOf(r);
    const q =
      ((actual[g] as number) + COHORT_PRIOR_PURCHASES * reference) /
      (((expected[g] as number) + COHORT_PRIOR_PURCHASES) * reference);
    const age = history.endDay - (history.day[history.start[r] as number] as number);
    quality[r] = q ** Math.max(0, 1 - age / COHORT_FADE_DAYS);
  }
  return quality;
}

/**
 * Gamma-Gamma's inputs: repeat purchase days, mean spend of the repeat days (each divided by its week's
 * basket index, so a season's baskets do not read as the customer's), first-day spend.
 */
function repeatSpend(
  history: PurchaseHistory,
  basketOf: (day: number) => number,
): [Float64Array, Float64Array, Float64Array] {
  const customers = history.start.length - 1;
  const x = new Float64Array(customers);
  const mean = new Float64Array(customers);
  const first = new Float64Array(customers);
  for (let r = 0; r < customers; r++) {
    const from = history.start[r] as number;
    const to = history.start[r + 1] as number;
    let sum = 0;
    for (let k = from + 1; k < to; k++)
      sum += (history.spend[k] as number) / basketOf(history.day[k] as number);
    x[r] = to - from - 1;
    mean[r] = to - from > 1 ? sum / (to - from - 1) : 0;
    first[r] = (history.spend[from] as number) / basketOf(history.day[from] as number);
  }
  return [x, mean, first];
}

/** Every customer when there are at most `size`, else a seeded sample of `size` (ascending). */
function sampleCustomers(customers: number, size: number): Int32Array {
  if (customers <= size) return Int32Array.from({ length: customers }, (_, i) => i);
  const random = new Random(0x5ea5);
  const picked = new Uint8Array(customers);
  let n = 0;
  while (n < size) {
    const c = random.int(customers);
    if (!picked[c]) {
      picked[c] = 1;
      n++;
    }
  }
  const out = new Int32Array(size);
  let k = 0;
  for (let c = 0; c < customers; c++) if (picked[c]) out[k++] = c;
  return out;
}

/** The scored customers' predicted total over the horizon, with an 80% interval. */
export interface ShopForecast {
  /** Σ of the customers' predictions. */
  total: number;
  /** The 80% interval: the actual total falls below `low` in 10% of the cases and above `high` in 10%. */
  low: number;
  high: number;
  /** The factor that took the calibrated model's total to the seasonal level (1 = it agreed). */
  levelFactor: number;
  /** Where the horizon's season came from ({@link SeasonalLevel.season}). */
  season: SeasonalLevel['season'];
}

/**
 * Log-standard deviation of the level's own error (seasons, cohorts and trends it misreads), beside the
 * customers' spending noise, by where the horizon's season came from: a season seen a year earlier is
 * known, the history's average is a guess. Chosen on the design suite (`npx tsx bench/accuracy.ts
 * --design`, 53 cases, docs/accuracy.md): with one value for all, 0.10, the 80% interval held the actual
 * total in 96% of the year-earlier cases and 65% of the others; figures with these in docs/accuracy.md.
 */
export const LEVEL_LOG_SD: Readonly<Record<SeasonalLevel['season'], number>> = {
  'a year earlier': 0.06,
  'partly a year earlier': 0.1,
  'history average': 0.13,
};
/** The standard normal quantile of 90%: an 80% two-sided interval. */
const Z_80 = 1.2816;

/**
 * The interval of a total: lognormal around it, with the level's own error ({@link LEVEL_LOG_SD}, by the
 * horizon's season) and the spending noise of the customers ({@link SeasonalLevel.totalVariance} relative
 * to the level's total).
 */
export function shopForecast(level: SeasonalLevel, total: number, levelFactor: number): ShopForecast {
  const noise = level.total > 0 ? level.totalVariance / (level.total * level.total) : 0;
  const own = LEVEL_LOG_SD[level.season];
  const spread = Z_80 * Math.sqrt(own * own + noise);
  return {
    total,
    low: total * Math.exp(-spread),
    high: total * Math.exp(spread),
    levelFactor,
    season: level.season,
  };
}
