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

/**
 * Each customer's forecast from a {@link SeasonalLevelSpec}: what {@link forecastCustomers} computes, for the
 * customers of a training and for customers posted to the API alike.
 */
export interface CustomerForecast {
  /** Per customer, in the history's order: expected purchase days in the horizon (cohort quality included). */
  readonly expectedOrders: Float64Array;
  readonly expectedSpend: Float64Array;
  /**
   * P(alive) at the as-of date under MBG/NBD on the same shop-day clock (Batislam et al. 2007): unlike
   * BG/NBD's, it is below 1 for a customer who never repeated and falls with the silence since the purchase.
   */
  readonly pAlive: Float64Array;
  readonly cohortQuality: Float64Array;
  /** Σ expectedSpend. */
  readonly total: number;
  /**
   * Σ of each customer's variance of spend, as if customers were independent: orders negative-binomial
   * around `expectedOrders` (a gamma posterior of shape r + x), order values gamma with Gamma-Gamma's shape p.
   */
  readonly totalVariance: number;
  /** The horizon's length in shop days. */
  readonly horizonShopDays: number;
  /** The horizon's basket index: spend per purchase day relative to the history's (1 = the same). */
  readonly valueFactor: number;
}

export interface SeasonalLevel extends CustomerForecast {
  /** How the horizon's σ was chosen. */
  readonly season: 'a year earlier' | 'history average' | 'partly a year earlier';
  /** σ per calendar week, oldest first; the last week ends at `endDay`. */
  readonly weekFactors: Float64Array;
  /** Spend per purchase day by calendar week, relative to each buyer's own mean (averages 1). */
  readonly basketIndex: Float64Array;
  readonly bgNbd: BgNbdFit;
  readonly gammaGamma: GammaGammaFit;
  /** Everything {@link forecastCustomers} needs to forecast any customer as of the history's end (plain JSON). */
  readonly spec: SeasonalLevelSpec;
}

/**
 * The fitted level as plain JSON, of bounded size (at most {@link MAX_STORED_WEEKS} weeks of σ and basket
 * index): kept in the model so serving forecasts a posted customer with the same clock, fits and cohorts
 * as training forecast the batch.
 */
export interface SeasonalLevelSpec {
  readonly horizonDays: number;
  readonly clock: ClockSpec;
  /** BG/NBD in shop days (expected orders). */
  readonly bgNbd: BgNbdFit;
  /** MBG/NBD on the same summaries (P(alive)). */
  readonly mbgNbd: BgNbdFit;
  /** Gamma-Gamma on repeat-day spend divided by its week's basket index. */
  readonly gammaGamma: GammaGammaFit;
  /** Quality of the acquisition cohorts young enough for it to apply (see {@link SeasonalLevelOptions} 3). */
  readonly cohorts: readonly { readonly start: number; readonly quality: number }[];
}

/** The shop-day clock as fitted: σ and basket index per calendar week, the last week ending at `endDay`. */
export interface ClockSpec {
  /** First day (UTC day number) not in the history. */
  readonly endDay: number;
  /** The history's first purchase day: a future day takes σ from a year earlier only four weeks after it. */
  readonly firstDay: number;
  readonly weekFactors: readonly number[];
  readonly basketIndex: readonly number[];
  /** Calendar days before the first stored week (weeks dropped beyond the cap), and the shop days they held. */
  readonly olderDays: number;
  readonly olderShopDays: number;
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
/**
 * Weeks of σ and basket index kept in the spec (ten years): older weeks are summed into one stretch of
 * `olderShopDays`, so the spec's size is bounded whatever the history's length. Histories of up to ten
 * years are forecast on exactly the clock they were fitted on.
 */
export const MAX_STORED_WEEKS = 522;

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
  const valueIndex = basketIndex(history, clock, sample);
  const [repeats, repeatMean, firstSpend] = repeatSpend(
    history,
    (day) => valueIndex[clock.weekOf(day)] as number,
  );
  const gammaGamma = fitGammaGamma(repeats, repeatMean, firstSpend);
  const [x, recency, tenure] = shopDaySummaryOf(clock, history);
  const mbgNbd = fitBgNbd({ frequency: x, recency, tenure }, { variant: 'mbg' });
  const clockSpec = storedClock(clock, firstDay, valueIndex);
  const spec: SeasonalLevelSpec = {
    horizonDays,
    clock: clockSpec,
    bgNbd: fit,
    mbgNbd,
    gammaGamma,
    cohorts: cohortQualities(history, firstDay, early),
  };
  const horizon = new StoredClock(clockSpec).horizon(endDay, horizonDays);
  return {
    ...forecastCustomers(spec, history),
    season:
      horizon.yearEarlier === horizonDays
        ? 'a year earlier'
        : horizon.yearEarlier === 0
          ? 'history average'
          : 'partly a year earlier',
    weekFactors: clock.factor,
    basketIndex: valueIndex,
    bgNbd: fit,
    gammaGamma,
    spec,
  };
}

/**
 * Forecast every customer of `history` over the spec's horizon from the history's end (its as-of day, which
 * may differ from the day the spec was fitted at): expected orders from BG/NBD at the shop-day pace, P(alive)
 * from MBG/NBD, expected spend = cohort quality × E[orders] × the horizon's basket index × Gamma-Gamma's
 * expected order value. The one computation behind the money level, batch scoring and the API.
 */
export function forecastCustomers(spec: SeasonalLevelSpec, history: PurchaseHistory): CustomerForecast {
  const customers = history.start.length - 1;
  const clock = new StoredClock(spec.clock);
  const asOfDay = history.endDay;
  const horizonShopDays = clock.horizon(asOfDay, spec.horizonDays).sum;
  const valueFactor = clock.basketAlong(asOfDay, spec.horizonDays) / spec.horizonDays;
  const [, repeatMean] = repeatSpend(history, (day) => clock.basketAt(day));
  const quality = cohortQuality(spec, history);
  const { bgNbd, mbgNbd, gammaGamma } = spec;
  const expectedOrders = new Float64Array(customers);
  const expectedSpend = new Float64Array(customers);
  const pAlive = new Float64Array(customers);
  const [x, recency, tenure] = shopDaySummaryOf(clock, history);
  let total = 0;
  let totalVariance = 0;
  const valueCv2 = gammaGamma.converged ? 1 / gammaGamma.params.p : 1;
  const shape = bgNbd.converged ? bgNbd.params.r : 1;
  for (let r = 0; r < customers; r++) {
    const xr = x[r] as number;
    const tx = recency[r] as number;
    const T = tenure[r] as number;
    expectedOrders[r] = (quality[r] as number) * expectedTransactions(bgNbd, xr, tx, T, horizonShopDays);
    pAlive[r] = probabilityAlive(mbgNbd, xr, tx, T);
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
    horizonShopDays,
    valueFactor,
  };
}

/**
 * Each customer's expected purchase days (cohort quality included) from the history's end up to each of
 * `days` calendar days later (ascending): `customers × days.length` values, customer-major. The expected
 * orders of the horizon are the column at the spec's horizon.
 */
export function expectedOrdersUpTo(
  spec: SeasonalLevelSpec,
  history: PurchaseHistory,
  days: readonly number[],
): Float64Array {
  const customers = history.start.length - 1;
  const clock = new StoredClock(spec.clock);
  const start = clock.at(history.endDay);
  const shopDays = days.map((d) => clock.at(history.endDay + d) - start);
  const quality = cohortQuality(spec, history);
  const [x, recency, tenure] = shopDaySummaryOf(clock, history);
  const out = new Float64Array(customers * days.length);
  for (let r = 0; r < customers; r++)
    shopDays.forEach((t, k) => {
      out[r * days.length + k] =
        (quality[r] as number) *
        expectedTransactions(spec.bgNbd, x[r] as number, recency[r] as number, tenure[r] as number, t);
    });
  return out;
}

/** Σ of the basket index over each day from the history's end to each of `days` calendar days later. */
export function basketUpTo(spec: SeasonalLevelSpec, endDay: number, days: readonly number[]): number[] {
  const clock = new StoredClock(spec.clock);
  // One pass to the furthest day: the running sum at each day asked for.
  const last = Math.max(0, ...days);
  const upTo = new Float64Array(last + 1);
  for (let d = 0; d < last; d++) upTo[d + 1] = (upTo[d] as number) + clock.basketAt(endDay + d);
  return days.map((d) => upTo[d] as number);
}

/** (x, recency, tenure) of every customer with times in a clock's shop days, tenure up to the history's end. */
function shopDaySummaryOf(
  clock: { at(day: number): number },
  history: PurchaseHistory,
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

/** The estimation clock as a {@link ClockSpec}: its last {@link MAX_STORED_WEEKS} weeks, the rest summed. */
function storedClock(clock: ShopClock, firstDay: number, basket: Float64Array): ClockSpec {
  const dropped = Math.max(0, clock.weeks - MAX_STORED_WEEKS);
  let olderShopDays = 0;
  for (let w = 0; w < dropped; w++) olderShopDays += 7 * (clock.factor[w] as number);
  return {
    endDay: clock.endDay,
    firstDay,
    weekFactors: Array.from(clock.factor.subarray(dropped)),
    basketIndex: Array.from(basket.subarray(dropped)),
    olderDays: 7 * dropped,
    olderShopDays,
  };
}

/**
 * The shop-day clock of a {@link ClockSpec}, readable at any day: inside the history each calendar day
 * counts its week's σ; before the stored weeks, the dropped weeks' mean σ (or the first week's when none
 * were dropped); from `endDay` on, σ of the same week a year earlier (52 weeks, repeated for days more
 * than a year ahead) once that week is four weeks past the history's first purchase, else 1, the
 * history's average. The basket index is read the same way (1 before the stored weeks).
 */
export class StoredClock {
  private readonly weeks: number;
  private readonly cumulative: Float64Array;
  private readonly olderRate: number;
  /** Shop days from `endDay` to `endDay + k`, extended on demand. */
  private readonly future: number[] = [0];

  constructor(private readonly spec: ClockSpec) {
    this.weeks = spec.weekFactors.length;
    this.cumulative = new Float64Array(this.weeks + 1);
    for (let w = 0; w < this.weeks; w++)
      this.cumulative[w + 1] = (this.cumulative[w] as number) + 7 * (spec.weekFactors[w] as number);
    this.olderRate = spec.olderDays > 0 ? spec.olderShopDays / spec.olderDays : (spec.weekFactors[0] ?? 1);
  }

  /** Shop days from the start of the first stored week to the start of `day`. */
  at(day: number): number {
    const { endDay } = this.spec;
    const start = endDay - 7 * this.weeks;
    if (day < start) return (day - start) * this.olderRate;
    if (day >= endDay) return (this.cumulative[this.weeks] as number) + this.futureShopDays(day - endDay);
    const w = this.weekOf(day);
    return (this.cumulative[w] as number) + (day - (start + 7 * w)) * (this.spec.weekFactors[w] as number);
  }

  /** Shop days of the `days` days from `fromDay` on, and how many of them took σ from a year earlier. */
  horizon(fromDay: number, days: number): { sum: number; yearEarlier: number } {
    let yearEarlier = 0;
    for (let d = fromDay; d < fromDay + days; d++) if (this.fromYearEarlier(d) !== undefined) yearEarlier++;
    return { sum: this.at(fromDay + days) - this.at(fromDay), yearEarlier };
  }

  /** Σ of the basket index over the `days` days from `fromDay` on. */
  basketAlong(fromDay: number, days: number): number {
    let sum = 0;
    for (let d = fromDay; d < fromDay + days; d++) sum += this.basketAt(d);
    return sum;
  }

  /** The basket index of a day: its week's inside the history, a year earlier's (or 1, the history's average) after it. */
  basketAt(day: number): number {
    const { endDay, basketIndex } = this.spec;
    if (day < endDay - 7 * this.weeks) return 1;
    if (day < endDay) return basketIndex[this.weekOf(day)] as number;
    const back = this.fromYearEarlier(day);
    return back === undefined ? 1 : this.basketAt(back);
  }

  private futureShopDays(offset: number): number {
    const { future } = this;
    for (let k = future.length; k <= offset; k++) {
      const day = this.spec.endDay + k - 1;
      const back = this.fromYearEarlier(day);
      future.push((future[k - 1] as number) + (back === undefined ? 1 : this.factorAt(back)));
    }
    return future[offset] as number;
  }

  /** σ of a day inside the history (or before it). */
  private factorAt(day: number): number {
    if (day < this.spec.endDay - 7 * this.weeks) return this.olderRate;
    return this.spec.weekFactors[this.weekOf(day)] as number;
  }

  /** For a day at or after `endDay`: the same weekday 52k weeks earlier inside the history, when it is old enough. */
  private fromYearEarlier(day: number): number | undefined {
    if (day < this.spec.endDay) return undefined;
    let back = day - YEAR_DAYS;
    while (back >= this.spec.endDay) back -= YEAR_DAYS;
    return back >= this.spec.firstDay + MIN_AGE_DAYS ? back : undefined;
  }

  private weekOf(day: number): number {
    return Math.max(0, this.weeks - 1 - Math.floor((this.spec.endDay - 1 - day) / 7));
  }
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

function fitInShopDays(history: PurchaseHistory, clock: ShopClock): BgNbdFit {
  const [frequency, recency, tenure] = shopDaySummaryOf(clock, history);
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
 * Quality of the 4-week acquisition cohorts (see {@link SeasonalLevelOptions} 3) young enough at the
 * history's end for it to apply to some of their customers: how their customers bought in their first four
 * weeks against BG/NBD's expectation (the early purchases `oneStepAhead` recorded, sampled customers only),
 * relative to the median complete cohort, shrunk towards 1. None when no cohort can be a reference.
 */
function cohortQualities(
  history: PurchaseHistory,
  firstDay: number,
  early: { actual: Float64Array; expected: Float64Array },
): { start: number; quality: number }[] {
  const customers = history.start.length - 1;
  const cohorts = Math.floor((history.endDay - firstDay) / COHORT_DAYS) + 1;
  const actual = new Float64Array(cohorts);
  const expected = new Float64Array(cohorts);
  const complete = new Uint8Array(cohorts);
  for (let r = 0; r < customers; r++) {
    const acquired = history.day[history.start[r] as number] as number;
    const g = Math.floor((acquired - firstDay) / COHORT_DAYS);
    actual[g] = (actual[g] as number) + (early.actual[r] as number);
    expected[g] = (expected[g] as number) + (early.expected[r] as number);
    if (history.endDay - acquired > COHORT_DAYS + 7) complete[g] = 1;
  }
  const references: number[] = [];
  for (let g = 0; g < cohorts; g++)
    if (complete[g] && (expected[g] as number) >= MIN_REFERENCE_PURCHASES)
      references.push((actual[g] as number) / (expected[g] as number));
  references.sort((a, b) => a - b);
  if (references.length === 0) return [];
  const reference = references[references.length >> 1] as number;
  if (!(reference > 0)) return [];
  const qualities: { start: number; quality: number }[] = [];
  for (let g = 0; g < cohorts; g++) {
    const start = firstDay + g * COHORT_DAYS;
    // Customers of older cohorts are all past the fade: their quality is 1 whatever the cohort's.
    if (start + COHORT_DAYS <= history.endDay - COHORT_FADE_DAYS) continue;
    const quality =
      ((actual[g] as number) + COHORT_PRIOR_PURCHASES * reference) /
      (((expected[g] as number) + COHORT_PRIOR_PURCHASES) * reference);
    qualities.push({ start, quality });
  }
  return qualities;
}

/**
 * Each customer's cohort quality as of the history's end: its cohort's, faded by the customer's age (full at
 * acquisition, none at {@link COHORT_FADE_DAYS}); 1 where the spec holds no quality for the cohort.
 */
function cohortQuality(spec: SeasonalLevelSpec, history: PurchaseHistory): Float64Array {
  const customers = history.start.length - 1;
  const quality = new Float64Array(customers).fill(1);
  if (spec.cohorts.length === 0) return quality;
  const byStart = new Map(spec.cohorts.map((c) => [c.start, c.quality]));
  const { firstDay } = spec.clock;
  for (let r = 0; r < customers; r++) {
    const acquired = history.day[history.start[r] as number] as number;
    const q = byStart.get(firstDay + Math.floor((acquired - firstDay) / COHORT_DAYS) * COHORT_DAYS);
    if (q === undefined) continue;
    quality[r] = q ** Math.max(0, 1 - (history.endDay - acquired) / COHORT_FADE_DAYS);
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
 * --design`, docs/accuracy.md): with one value for all, 0.10, the 80% interval held the actual total in 96%
 * of the year-earlier cases and 65% of the others; with these (and {@link SPENDING_NOISE_FACTOR}) 84%, 69%
 * and 82% (80% of the 65 cases).
 */
export const LEVEL_LOG_SD: Readonly<Record<SeasonalLevel['season'], number>> = {
  'a year earlier': 0.05,
  'partly a year earlier': 0.1,
  'history average': 0.12,
};
/**
 * The customers' spending noise as modelled ({@link SeasonalLevel.totalVariance}) is too narrow: on the
 * design suite's small shops (600 customers) the 80% interval held 7 of 12 totals with it as it is. Times
 * 3, with the level's own errors above, it holds 80% of the 65 design cases (9 of the 12 small shops) and
 * 83% of the 36 unseen ones.
 */
const SPENDING_NOISE_FACTOR = 3;
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
  const spread = Z_80 * Math.sqrt(own * own + SPENDING_NOISE_FACTOR * noise);
  return {
    total,
    low: total * Math.exp(-spread),
    high: total * Math.exp(spread),
    levelFactor,
    season: level.season,
  };
}

/** P(alive) over a grid of histories: the classic frequency × recency matrix (lifetimes' plot_probability_alive_matrix). */
export interface PAliveMatrix {
  /** The customer's age at the as-of date (calendar days): first purchase when the history starts. */
  tenureDays: number;
  /** Repeat purchase days (columns). */
  frequencies: number[];
  /** Days from the first to the last purchase (rows), ascending. */
  recencyDays: number[];
  /**
   * `pAlive[row][column]`, MBG/NBD on the shop-day clock; null where no history has it (x repeat purchase
   * days take at least x days after the first; none takes any).
   */
  pAlive: (number | null)[][];
}

/**
 * The P(alive) of a customer who first bought when the history starts (the oldest age the model knows), for
 * each number of repeat purchase days and each span from first to last purchase, in calendar days converted
 * on the seasonal clock as customers' histories are.
 */
export function pAliveMatrix(
  spec: SeasonalLevelSpec,
  frequencies: readonly number[],
  rows = 12,
): PAliveMatrix {
  const clock = new StoredClock(spec.clock);
  const { firstDay, endDay } = spec.clock;
  const tenureDays = endDay - firstDay;
  const first = clock.at(firstDay);
  const tenure = clock.at(endDay) - first;
  const recencyDays = Array.from({ length: rows }, (_, k) => Math.round((k * (tenureDays - 1)) / (rows - 1)));
  return {
    tenureDays,
    frequencies: [...frequencies],
    recencyDays,
    pAlive: recencyDays.map((days) => {
      const recency = clock.at(firstDay + days) - first;
      return frequencies.map((x) =>
        days < x || (x === 0 && days > 0) ? null : probabilityAlive(spec.mbgNbd, x, recency, tenure),
      );
    }),
  };
}
