import { type BgNbdFit, probabilityAlive } from './bg-nbd';
import { mapValue, type ValueCalibration } from './calibration';
import type { GammaGammaFit } from './gamma-gamma';

/**
 * A customer's spend over the horizon as a probability distribution: a mixture of zero-inflated lognormals.
 * Component k (weight w_k) spends nothing with probability 1 − p_k, else exp(N(μ_k, σ_k²)). The model's
 * prediction is this distribution's mean; its 80% interval ({@link spendInterval}) is read from it.
 *
 * Components are stored flat (customer-major, `width` per customer) so a million customers are a few typed
 * arrays, not millions of objects.
 */
export interface SpendMixture {
  readonly rows: number;
  /** Components per customer. */
  readonly width: number;
  readonly weight: Float64Array;
  readonly p: Float64Array;
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
}

/** One zero-inflated lognormal per customer (a column of components), e.g. the BG/NBD + Gamma-Gamma forecast. */
export interface SpendComponents {
  readonly p: Float64Array;
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
}

/** The 80% interval of each customer's spend: `low[i]` … `high[i]`. */
export interface SpendIntervals {
  readonly low: Float32Array;
  readonly high: Float32Array;
}

/** Coverage the interval aims at. */
export const INTERVAL_PROBABILITY = 0.8;
/** log-σ of a lognormal never goes below this (a point mass has no quantiles to bisect between). */
const MIN_SIGMA = 1e-3;
/** Bisection steps on log spend: 40 halvings of a ±8σ bracket leave an error far below a cent. */
const BISECTION_STEPS = 40;
/** A component's bracket: μ ± this many σ (Φ(±8) is 1 − 6e-16). */
const BRACKET_SIGMAS = 8;

/**
 * The 80% interval of a zero-inflated distribution with P(spend = 0) = π₀:
 * - π₀ < 10%: the 10% and 90% quantiles (equal tails);
 * - π₀ ≥ 10%: from 0 to the 80% quantile. Zero is then the likeliest single outcome and the lower tail is
 *   empty: the equal-tailed [0, 90% quantile] would hold 90%, not 80%. When π₀ ≥ 80% the interval is [0, 0],
 *   which holds π₀.
 * The lower end is the 10% quantile in both cases (it is 0 when π₀ ≥ 10%).
 */
export function spendInterval(mixture: SpendMixture, row: number): [number, number] {
  const zero = zeroMass(mixture, row);
  const tail = (1 - INTERVAL_PROBABILITY) / 2;
  if (zero < tail) return [mixtureQuantile(mixture, row, tail), mixtureQuantile(mixture, row, 1 - tail)];
  return [0, mixtureQuantile(mixture, row, INTERVAL_PROBABILITY)];
}

/** {@link spendInterval} of every customer. */
export function spendIntervals(mixture: SpendMixture): SpendIntervals {
  const low = new Float32Array(mixture.rows);
  const high = new Float32Array(mixture.rows);
  for (let i = 0; i < mixture.rows; i++) {
    const [lo, hi] = spendInterval(mixture, i);
    low[i] = lo;
    high[i] = hi;
  }
  return { low, high };
}

/** How the 80% intervals did against what customers really spent. */
export interface IntervalCoverage {
  customers: number;
  /** Share of customers whose actual spend lies in their interval. */
  inside: number;
  /**
   * Share the model itself expects inside: the mean of each interval's probability, 0.8, or P(spend = 0)
   * when that is above 0.8 (an interval [0, 0] that cannot hold less). `inside` near it: calibrated.
   */
  expected: number;
  /**
   * The customers whose interval holds exactly 80% (P(spend = 0) below 80%; the others' is [0, 0]), and the
   * share of them inside: 0.8 for a calibrated distribution.
   */
  exactly80: { customers: number; inside: number };
  /**
   * Share of customers whose randomized PIT (the mixture's CDF at the actual spend, drawn uniformly within
   * the atom at 0 when they spent nothing) falls in [0.1, 0.9]: 0.8 for a calibrated distribution whatever
   * its mass at 0.
   */
  pit80: number;
}

/** {@link IntervalCoverage} of the intervals of `mixture` against the actual spend of its customers. */
export function intervalCoverage(
  mixture: SpendMixture,
  intervals: SpendIntervals,
  actual: ArrayLike<number>,
): IntervalCoverage {
  const tail = (1 - INTERVAL_PROBABILITY) / 2;
  let inside = 0;
  let expected = 0;
  let pit = 0;
  let exact = 0;
  let exactInside = 0;
  for (let i = 0; i < mixture.rows; i++) {
    const a = actual[i] as number;
    // Intervals are stored as float32: compare with a relative tolerance of its rounding.
    const holds =
      a >= (intervals.low[i] as number) * (1 - 1e-6) && a <= (intervals.high[i] as number) * (1 + 1e-6);
    if (holds) inside++;
    const zero = zeroMass(mixture, i);
    expected += zero < tail ? INTERVAL_PROBABILITY : Math.max(INTERVAL_PROBABILITY, zero);
    if (zero < INTERVAL_PROBABILITY) {
      exact++;
      if (holds) exactInside++;
    }
    if (a > 0) {
      const u = mixtureCdf(mixture, i, a);
      if (u >= tail && u <= 1 - tail) pit++;
    } else if (zero > 0) pit += Math.max(0, Math.min(zero, 1 - tail) - tail) / zero;
  }
  const n = Math.max(1, mixture.rows);
  return {
    customers: mixture.rows,
    inside: inside / n,
    expected: expected / n,
    exactly80: { customers: exact, inside: exact > 0 ? exactInside / exact : Number.NaN },
    pit80: pit / n,
  };
}

/** P(spend = 0) of a customer's mixture. */
export function zeroMass(mixture: SpendMixture, row: number): number {
  let zero = 0;
  for (let k = row * mixture.width; k < (row + 1) * mixture.width; k++)
    zero += (mixture.weight[k] as number) * (1 - (mixture.p[k] as number));
  return zero;
}

/** P(spend ≤ y) of a customer's mixture, y ≥ 0. */
export function mixtureCdf(mixture: SpendMixture, row: number, y: number): number {
  const logY = Math.log(y);
  let cdf = 0;
  for (let k = row * mixture.width; k < (row + 1) * mixture.width; k++) {
    const p = mixture.p[k] as number;
    const positive = p > 0 ? normalCdf((logY - (mixture.mu[k] as number)) / (mixture.sigma[k] as number)) : 0;
    cdf += (mixture.weight[k] as number) * (1 - p + p * positive);
  }
  return cdf;
}

/**
 * The u-quantile of a customer's mixture: 0 when u ≤ P(spend = 0), else the spend y > 0 with P(spend ≤ y) = u,
 * found by bisection on log y (the CDF is continuous and increasing above 0).
 */
export function mixtureQuantile(mixture: SpendMixture, row: number, u: number): number {
  if (u <= zeroMass(mixture, row)) return 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = row * mixture.width; k < (row + 1) * mixture.width; k++) {
    if (!((mixture.p[k] as number) > 0) || !((mixture.weight[k] as number) > 0)) continue;
    const mu = mixture.mu[k] as number;
    const spread = BRACKET_SIGMAS * (mixture.sigma[k] as number);
    lo = Math.min(lo, mu - spread);
    hi = Math.max(hi, mu + spread);
  }
  if (!(hi >= lo)) return 0;
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const mid = 0.5 * (lo + hi);
    if (mixtureCdf(mixture, row, Math.exp(mid)) < u) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/** The mean of a customer's mixture: Σ w_k · p_k · exp(μ_k + σ_k²/2). */
export function mixtureMean(mixture: SpendMixture, row: number): number {
  let mean = 0;
  for (let k = row * mixture.width; k < (row + 1) * mixture.width; k++) {
    const sigma = mixture.sigma[k] as number;
    mean +=
      (mixture.weight[k] as number) *
      (mixture.p[k] as number) *
      Math.exp((mixture.mu[k] as number) + 0.5 * sigma * sigma);
  }
  return mean;
}

/**
 * A zero-inflated lognormal with the given P(spend > 0), mean and second moment: the positive part's log-σ²
 * is ln(E[S²]·P(S > 0)/E[S]²) (floored), its μ puts the mean where it must be.
 */
export function zeroInflatedLogNormal(
  pPositive: number,
  mean: number,
  secondMoment: number,
): { p: number; mu: number; sigma: number } {
  if (!(pPositive > 0) || !(mean > 0)) return { p: 0, mu: 0, sigma: 1 };
  const p = Math.min(1, pPositive);
  const positiveMean = mean / p;
  const sigma2 = Math.max(MIN_SIGMA * MIN_SIGMA, Math.log((secondMoment * p) / (mean * mean)));
  return { p, mu: Math.log(positiveMean) - 0.5 * sigma2, sigma: Math.sqrt(sigma2) };
}

/**
 * The BG/NBD + Gamma-Gamma forecast of one customer's spend over t days as a zero-inflated lognormal with
 * that forecast's own mean E[N]·E[z] (`expectedOrders` × `orderValue`):
 * - P(no purchase in (T, T+t]) = 1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x): a dead customer buys
 *   nothing, a live one with rate λ ~ Gamma(r+x, α+T) (the posterior) buys nothing with probability e^(−λt)
 *   (FHL 2005; under the fallback, Poisson at the population rate);
 * - the orders' second moment: alive customers' count negative-binomial of shape r+x around E[N]/P(alive)
 *   (the drop-out within the horizon is in E[N] only), order values of squared coefficient of variation 1/p
 *   (Gamma-Gamma's shape; 1 when the fit failed), as the money level's variance (seasonal-level.ts);
 * - the positive part lognormal with the mean and second moment of spend given a purchase.
 */
export function btydSpendComponent(
  bgNbd: BgNbdFit,
  gammaGamma: GammaGammaFit,
  customer: { x: number; recency: number; tenure: number; expectedOrders: number; orderValue: number },
  t: number,
): { p: number; mu: number; sigma: number } {
  const { x, recency, tenure, expectedOrders, orderValue } = customer;
  const mean = expectedOrders * orderValue;
  if (!(mean > 0)) return { p: 0, mu: 0, sigma: 1 };
  let pZero: number;
  let pAlive = 1;
  let inverseShape = 0;
  if (bgNbd.converged) {
    const { r, alpha } = bgNbd.params;
    pAlive = probabilityAlive(bgNbd, x, recency, tenure);
    pZero = 1 - pAlive + pAlive * ((alpha + tenure) / (alpha + tenure + t)) ** (r + x);
    inverseShape = 1 / (r + x);
  } else pZero = Math.exp(-bgNbd.fallbackRate * t);
  const valueCv2 = gammaGamma.converged ? 1 / gammaGamma.params.p : 1;
  const orders2 =
    expectedOrders + (expectedOrders * expectedOrders * (1 + inverseShape)) / Math.max(pAlive, 1e-9);
  const second = orderValue * orderValue * (expectedOrders * valueCv2 + orders2);
  return zeroInflatedLogNormal(1 - pZero, mean, second);
}

/** Φ(z), the standard normal CDF (erfc of Numerical Recipes' Chebyshev fit: relative error below 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** The network's own distribution per customer: its members' ZILN outputs, `members` per customer. */
export interface NetworkComponents {
  readonly rows: number;
  readonly members: number;
  /** P(spends again), μ (capped as the prediction caps the mean) and σ, customer-major. */
  readonly p: Float32Array;
  readonly mu: Float32Array;
  readonly sigma: Float32Array;
}

/**
 * The distribution behind a calibrated prediction, carried through each step the prediction takes
 * (lib/model/calibration.ts):
 * 1. the network's ensemble: an equal mixture of its members' zero-inflated lognormals, mean m;
 * 2. the money map g: the map is fitted on means (held-out customers' mean spend per predicted bucket), so it
 *    rescales the network's distribution to the mapped mean, g(m)/m × spend: every quantile scales by the
 *    same factor, the shape (P(spend > 0), σ) stays the network's;
 * 3. the average with the BG/NBD + Gamma-Gamma column, (1 − w)·mapped + w·column: a linear pool, the
 *    mixture of the two forecasts' distributions with weights 1 − w and w, whose mean is that average
 *    (`blend`: the column's own distribution, {@link btydSpendComponent}; required when w > 0);
 * 4. the level factor: every amount ×L.
 * The mixture's mean is the prediction (up to float32 rounding).
 */
export function calibratedMixture(
  network: NetworkComponents,
  calibration: ValueCalibration,
  blend?: SpendComponents,
): SpendMixture {
  const { rows, members } = network;
  const w = calibration.blendColumn ? calibration.blendWeight : 0;
  if (w > 0 && (!blend || blend.p.length !== rows))
    throw new Error(`calibration blends ${calibration.blendColumn} but its distribution was not given`);
  const width = members + (w > 0 ? 1 : 0);
  const mixture = {
    rows,
    width,
    weight: new Float64Array(rows * width),
    p: new Float64Array(rows * width),
    mu: new Float64Array(rows * width),
    sigma: new Float64Array(rows * width),
  };
  const logLevel = Math.log(calibration.levelFactor ?? 1);
  for (let i = 0; i < rows; i++) {
    let mean = 0;
    for (let j = i * members; j < (i + 1) * members; j++) {
      const sigma = network.sigma[j] as number;
      mean +=
        ((network.p[j] as number) * Math.exp((network.mu[j] as number) + 0.5 * sigma * sigma)) / members;
    }
    const scale = mean > 0 ? mapValue(calibration, mean) / mean : 1;
    const shift = Math.log(scale > 0 ? scale : 1) + logLevel;
    for (let m = 0; m < members; m++) {
      const j = i * members + m;
      const k = i * width + m;
      mixture.weight[k] = (1 - w) / members;
      mixture.p[k] = scale > 0 ? (network.p[j] as number) : 0;
      mixture.mu[k] = (network.mu[j] as number) + shift;
      mixture.sigma[k] = Math.max(MIN_SIGMA, network.sigma[j] as number);
    }
    if (w > 0 && blend) {
      const k = i * width + members;
      mixture.weight[k] = w;
      mixture.p[k] = blend.p[i] as number;
      mixture.mu[k] = (blend.mu[i] as number) + logLevel;
      mixture.sigma[k] = Math.max(MIN_SIGMA, blend.sigma[i] as number);
    }
  }
  return mixture;
}
