import { Random } from '../random';
import { nelderMead } from './optimize';
import { lnGamma, logAddExp } from './special-functions';

/**
 * BG/NBD parameters (Fader, Hardie & Lee 2005): purchase rates λ ~ Gamma(r, α), drop-out probabilities
 * p ~ Beta(a, b). α is in the time unit of the data it was fitted on (days throughout valuecast).
 */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Which model of the BG/NBD family a fit is: `mbg` is the MBG/NBD of Batislam, Denizel & Filiztekin (2007),
 * where a customer may also drop out at the first purchase (so one who never repeated is not certainly
 * alive); absent is BG/NBD (drop-out only after a repeat purchase).
 */
export type BtydVariant = 'mbg';

/**
 * A fitted BG/NBD model. When the maximum-likelihood fit cannot be trusted (nobody repeats, the optimiser
 * did not converge, or the optimum is not finite) `converged` is false, `reason` says why, and predictions
 * use the documented fallback instead of `params`: every customer buys at the population's mean repeat
 * rate `fallbackRate` (Σ repeat purchases / Σ tenure) and is alive with probability 1.
 */
export interface BgNbdFit {
  params: BgNbdParams;
  /** `mbg` for an MBG/NBD fit ({@link BtydVariant}); absent for BG/NBD. */
  variant?: BtydVariant;
  converged: boolean;
  reason?: string;
  /** Repeat purchases per time unit over the whole population: the fallback's rate. */
  fallbackRate: number;
  logLikelihood: number;
  customers: number;
  /** Customers the likelihood was maximised on, when fewer than `customers` (a seeded random sample). */
  sampleSize?: number;
  /** Nelder-Mead iterations and likelihood evaluations the fit took (absent on early fallbacks). */
  iterations?: number;
  evaluations?: number;
}

/** Per-customer BTYD summary: repeat purchase count x, recency t_x (first to last purchase) and tenure T. */
export interface RecencyFrequency {
  frequency: ArrayLike<number>;
  recency: ArrayLike<number>;
  tenure: ArrayLike<number>;
}

/** Per Nelder-Mead run; the CDNOW fits need about 200. Bounds a fit's cost whatever the data. */
const MAX_ITERATIONS = 1000;
/**
 * Customers the likelihood is maximised on by default. A larger population is fitted on a seeded simple
 * random sample of this size, the usual practice for BTYD models: four parameters are estimated to well
 * under 1% from 30,000 customers, and the fit's cost stays constant (a few seconds) however many customers
 * the shop has. The fallback rate is still computed on everyone.
 */
export const BG_NBD_SAMPLE_SIZE = 30_000;
/** Customers of the warm-start fit: the search crosses the parameter space on this cheap likelihood. */
const PILOT_SIZE = 3_000;
const DEFAULT_SEED = 20_050_501;

export interface BgNbdFitOptions {
  /** Fit on at most this many customers (seeded sample); default {@link BG_NBD_SAMPLE_SIZE}. */
  sampleSize?: number;
  /** Seed of the sample, so the same data always gives the same fit. */
  seed?: number;
  /** Nelder-Mead iterations per run (each fit makes at most eight runs); default 1000. */
  maxIterations?: number;
  /** Fit MBG/NBD instead of BG/NBD ({@link BtydVariant}). */
  variant?: BtydVariant;
}

/** Customers with identical (x, t_x, T) contribute identical likelihood terms: fit on the distinct ones. */
interface AggregatedSummary {
  variant?: BtydVariant;
  weight: Float64Array;
  /** Index into `distinctX`; likewise for recency and tenure. */
  xIndex: Int32Array;
  recencyIndex: Int32Array;
  tenureIndex: Int32Array;
  distinctX: Float64Array;
  distinctRecency: Float64Array;
  distinctTenure: Float64Array;
}

interface Optimum {
  x: number[];
  value: number;
  converged: boolean;
  iterations: number;
  evaluations: number;
}

/**
 * Fits BG/NBD by maximum likelihood (closed-form log-likelihood, no hypergeometric function), optimising
 * log-parameters with Nelder-Mead. Populations above `sampleSize` are fitted on a seeded random sample of
 * customers; samples above twice the pilot size first fit a 3,000-customer pilot whose optimum starts the
 * full search, which then only polishes (a few hundred cheap evaluations instead of thousands of dear ones).
 */
export function fitBgNbd(summary: RecencyFrequency, options: BgNbdFitOptions = {}): BgNbdFit {
  const n = summary.frequency.length;
  let repeats = 0;
  let exposure = 0;
  let repeaters = 0;
  for (let i = 0; i < n; i++) {
    const x = summary.frequency[i] as number;
    repeats += x;
    exposure += summary.tenure[i] as number;
    if (x > 0) repeaters++;
  }
  const fallbackRate = exposure > 0 ? repeats / exposure : 0;
  const variant = options.variant ? { variant: options.variant } : {};
  const fallback = (reason: string): BgNbdFit => ({
    params: { r: 1, alpha: 1, a: 1, b: 1 },
    ...variant,
    converged: false,
    reason,
    fallbackRate,
    logLikelihood: Number.NaN,
    customers: n,
  });
  if (n === 0) return fallback('no customers to fit');
  if (repeaters < 2) return fallback(`only ${repeaters} customer(s) repeat: BG/NBD is not identifiable`);
  if (exposure <= 0) return fallback('every customer has zero tenure');

  const maxIterations = options.maxIterations ?? MAX_ITERATIONS;
  const order = shuffledCustomers(n, Math.min(n, options.sampleSize ?? BG_NBD_SAMPLE_SIZE), options.seed);
  // Rates are of the order of repeats/exposure, so α ≈ r / rate is a sensible scale to start from.
  const meanTenure = exposure / n;
  let starts = [
    [0, Math.log(Math.max(meanTenure, 1e-6)), 0, 0],
    [Math.log(0.5), Math.log(Math.max(0.5 / Math.max(fallbackRate, 1e-9), 1e-6)), Math.log(0.5), Math.log(2)],
  ];
  let initialStep = 1;
  let spent = { iterations: 0, evaluations: 0 };
  if (order.length >= 2 * PILOT_SIZE) {
    const pilot = maximise(
      aggregate(summary, order.subarray(0, PILOT_SIZE), options.variant),
      starts,
      1,
      maxIterations,
    );
    spent = { iterations: pilot.iterations, evaluations: pilot.evaluations };
    // A pilot optimum is within sampling error of the full one: search its neighbourhood only.
    if (Number.isFinite(pilot.value)) {
      starts = [pilot.x, ...starts];
      initialStep = 0.2;
    }
  }
  const best = maximise(aggregate(summary, order, options.variant), starts, initialStep, maxIterations);
  const iterations = spent.iterations + best.iterations;
  const evaluations = spent.evaluations + best.evaluations;
  const sampled = order.length < n ? { sampleSize: order.length } : {};
  const diagnostics = { iterations, evaluations, ...sampled };
  const params = toParams(best.x);
  if (!Number.isFinite(best.value))
    return { ...fallback('the log-likelihood is not finite anywhere searched'), ...diagnostics };
  if (!best.converged) return { ...fallback('the optimiser did not converge'), params, ...diagnostics };
  if (!Object.values(params).every((v) => Number.isFinite(v) && v > 0 && v < 1e12))
    return {
      ...fallback('the optimum lies at a boundary (a parameter went to 0 or infinity)'),
      params,
      ...diagnostics,
    };
  return {
    params,
    ...variant,
    converged: true,
    fallbackRate,
    logLikelihood: -best.value,
    customers: n,
    ...diagnostics,
  };
}

/**
 * Minimises the negative log-likelihood from each start in turn (each run followed by a restart from its
 * optimum, which rebuilds a collapsed simplex and catches false stops) until one converges; the later
 * starts are only rescues.
 */
function maximise(
  data: AggregatedSummary,
  starts: number[][],
  initialStep: number,
  maxIterations: number,
): Optimum {
  const negativeLogLikelihood = (logParams: number[]): number =>
    -aggregatedLogLikelihood(toParams(logParams), data);
  let best: Optimum = {
    x: [0, 0, 0, 0],
    value: Number.POSITIVE_INFINITY,
    converged: false,
    iterations: 0,
    evaluations: 0,
  };
  let iterations = 0;
  let evaluations = 0;
  for (const start of starts) {
    const first = nelderMead(negativeLogLikelihood, start, { initialStep, maxIterations });
    const result = nelderMead(negativeLogLikelihood, first.x, {
      initialStep: 0.1 * initialStep,
      maxIterations,
    });
    iterations += first.iterations + result.iterations;
    evaluations += first.evaluations + result.evaluations;
    // On a flat ridge (no drop-out in the data: a, b → ∞ with a/(a+b) fixed) the parameters drift while
    // the likelihood and the predictions no longer change: that is a usable optimum, not a failure.
    const flat = first.value - result.value <= 1e-9 * Math.abs(result.value);
    const candidate = { ...result, converged: result.converged || flat };
    // (The first finite candidate always counts: ∞ − 1e-9·∞ is NaN, which no comparison passes.)
    const better =
      best.value === Number.POSITIVE_INFINITY ||
      candidate.value < best.value - 1e-9 * Math.abs(best.value) ||
      (candidate.converged && !best.converged && candidate.value <= best.value + 1e-9 * Math.abs(best.value));
    if (better) best = candidate;
    if (best.converged) break;
  }
  return { ...best, iterations, evaluations };
}

/**
 * `size` customers drawn uniformly without replacement, seeded, in random order (a partial Fisher-Yates
 * shuffle): any prefix is itself a uniform sample, which is what the pilot takes.
 */
function shuffledCustomers(n: number, size: number, seed = DEFAULT_SEED): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const random = new Random(seed);
  for (let i = 0; i < size && i < n - 1; i++) {
    const j = i + random.int(n - i);
    const swap = all[i] as number;
    all[i] = all[j] as number;
    all[j] = swap;
  }
  return size < n ? all.slice(0, size) : all;
}

function toParams(logParams: number[]): BgNbdParams {
  const [r, alpha, a, b] = logParams.map(Math.exp) as [number, number, number, number];
  return { r, alpha, a, b };
}

/**
 * Log-likelihood of one customer's (x, t_x, T) under BG/NBD (FHL 2005, eq. 6 in log form), or under MBG/NBD
 * (Batislam et al. 2007, as lifetimes' ModifiedBetaGeoFitter writes it) for `variant` `mbg`.
 */
export function bgNbdLogLikelihood(
  params: BgNbdParams,
  x: number,
  recency: number,
  tenure: number,
  variant?: BtydVariant,
): number {
  const { r, alpha } = params;
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const a3 = -(r + x) * Math.log(alpha + tenure);
  return a1 + dropOutTerm(params, x, variant) + logAddExp(a3, lastPurchaseTerm(params, x, recency, variant));
}

/**
 * The beta-function term of the likelihood: B(a, b + x)/B(a, b) for BG/NBD, B(a, b + x + 1)/B(a, b) for
 * MBG/NBD (which also draws a drop-out at the first purchase), in log.
 */
function dropOutTerm({ a, b }: BgNbdParams, x: number, variant?: BtydVariant): number {
  const shift = variant === 'mbg' ? 1 : 0;
  return lnGamma(a + b) + lnGamma(b + x + shift) - lnGamma(b) - lnGamma(a + b + x + shift);
}

/**
 * log of the "dropped out right after the last purchase" term: a/(b+x−1)·(α+t_x)^−(r+x) for BG/NBD (−∞
 * for x = 0: nobody drops out before a repeat purchase), a/(b+x)·(α+t_x)^−(r+x) for MBG/NBD.
 */
function lastPurchaseTerm(
  { r, alpha, a, b }: BgNbdParams,
  x: number,
  recency: number,
  variant?: BtydVariant,
): number {
  if (variant === 'mbg') return Math.log(a) - Math.log(b + x) - (r + x) * Math.log(alpha + recency);
  return x > 0
    ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + recency)
    : Number.NEGATIVE_INFINITY;
}

function aggregatedLogLikelihood(params: BgNbdParams, data: AggregatedSummary): number {
  const { r, alpha, a, b } = params;
  const mbg = data.variant === 'mbg';
  // Gamma-function terms depend on x only and log terms on t_x or T only: compute each distinct value once.
  const byX = data.distinctX.map((x) => lnGamma(r + x) - lnGamma(r) + dropOutTerm(params, x, data.variant));
  // ln(a / (b + x − 1)) for BG/NBD (−∞ at x = 0: no drop-out before a repeat), ln(a / (b + x)) for MBG/NBD.
  const logDropOut = data.distinctX.map((x) =>
    mbg
      ? Math.log(a) - Math.log(b + x)
      : x > 0
        ? Math.log(a) - Math.log(b + x - 1)
        : Number.NEGATIVE_INFINITY,
  );
  const logAlphaRecency = data.distinctRecency.map((t) => Math.log(alpha + t));
  const logAlphaTenure = data.distinctTenure.map((t) => Math.log(alpha + t));
  const base = r * Math.log(alpha);
  let total = 0;
  for (let i = 0; i < data.weight.length; i++) {
    const xi = data.xIndex[i] as number;
    const x = data.distinctX[xi] as number;
    const a3 = -(r + x) * (logAlphaTenure[data.tenureIndex[i] as number] as number);
    const a4 =
      (logDropOut[xi] as number) - (r + x) * (logAlphaRecency[data.recencyIndex[i] as number] as number);
    total += (data.weight[i] as number) * (base + (byX[xi] as number) + logAddExp(a3, a4));
  }
  return total;
}

/** Distinct (x, t_x, T) of the customers `which` with their multiplicities. */
function aggregate(summary: RecencyFrequency, which: Int32Array, variant?: BtydVariant): AggregatedSummary {
  const xs = new Distinct();
  const recencies = new Distinct();
  const tenures = new Distinct();
  const rows = new Map<string, number>();
  const xIndex: number[] = [];
  const recencyIndex: number[] = [];
  const tenureIndex: number[] = [];
  const weight: number[] = [];
  for (const i of which) {
    const xi = xs.index(summary.frequency[i] as number);
    const ri = recencies.index(summary.recency[i] as number);
    const ti = tenures.index(summary.tenure[i] as number);
    const key = `${xi},${ri},${ti}`;
    const row = rows.get(key);
    if (row !== undefined) {
      weight[row] = (weight[row] as number) + 1;
      continue;
    }
    rows.set(key, weight.length);
    xIndex.push(xi);
    recencyIndex.push(ri);
    tenureIndex.push(ti);
    weight.push(1);
  }
  return {
    variant,
    weight: Float64Array.from(weight),
    xIndex: Int32Array.from(xIndex),
    recencyIndex: Int32Array.from(recencyIndex),
    tenureIndex: Int32Array.from(tenureIndex),
    distinctX: xs.values(),
    distinctRecency: recencies.values(),
    distinctTenure: tenures.values(),
  };
}

class Distinct {
  private readonly map = new Map<number, number>();
  index(value: number): number {
    let i = this.map.get(value);
    if (i === undefined) {
      i = this.map.size;
      this.map.set(value, i);
    }
    return i;
  }
  values(): Float64Array {
    return Float64Array.from(this.map.keys());
  }
}

/**
 * log of the odds-like term in the denominator of P(alive) and E[Y(t)]:
 * log( a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) ), −∞ for x = 0 (a customer who never repeated cannot have
 * dropped out after a repeat purchase); for MBG/NBD log( a/(b+x) · ((α+T)/(α+t_x))^(r+x) ) for every x
 * (Batislam et al. 2007, appendix A eq. 5: the drop-out may come at the first purchase too).
 */
function logDropOutOdds(
  params: BgNbdParams,
  x: number,
  recency: number,
  tenure: number,
  variant?: BtydVariant,
): number {
  const mbg = variant === 'mbg';
  if (x <= 0 && !mbg) return Number.NEGATIVE_INFINITY;
  const { r, alpha, a, b } = params;
  return (
    Math.log(a) -
    Math.log(b + x - (mbg ? 0 : 1)) +
    (r + x) * (Math.log(alpha + tenure) - Math.log(alpha + recency))
  );
}

/**
 * P(customer still alive at T | x, t_x, T); 1 under the fallback. Always in [0, 1]. Under BG/NBD it is 1
 * for every customer who never repeated (the model's own statement: drop-out follows a repeat purchase);
 * under MBG/NBD it is not (lifetimes issues #165, #239).
 */
export function probabilityAlive(fit: BgNbdFit, x: number, recency: number, tenure: number): number {
  if (!fit.converged) return 1;
  const odds = logDropOutOdds(fit.params, x, recency, tenure, fit.variant);
  const p = odds === Number.NEGATIVE_INFINITY ? 1 : 1 / (1 + Math.exp(odds));
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

/**
 * E[number of purchases in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10; for MBG/NBD Wagner & Hoppe 2008, the
 * erratum of Batislam et al., as lifetimes computes it). The Gauss hypergeometric function is taken
 * through Euler's transformation, (1−z)^(r+x)·₂F₁(r+x, b+x; c; z) = (1−z)^(a−1)·₂F₁(c−r−x, a−1; c; z) with
 * c = a+b+x−1 (MBG/NBD: ₂F₁(r+x, b+x+1; c; z) with c = a+b+x, the same identity), whose series converges
 * fast even for heavy buyers (the untransformed one overflows around x ≈ 300), and the 1/(a−1) factor is
 * cancelled analytically so a ≈ 1 is not a 0/0. Never negative or NaN; under the fallback it is
 * fallbackRate · t.
 */
export function expectedTransactions(
  fit: BgNbdFit,
  x: number,
  recency: number,
  tenure: number,
  t: number,
): number {
  if (t <= 0) return 0;
  if (!fit.converged) return fit.fallbackRate * t;
  const { r, alpha, a, b } = fit.params;
  if (a > FIXED_DROPOUT_A) return fixedDropoutExpectation(fit, x, recency, tenure, t);
  const logOneMinusZ = Math.log(alpha + tenure) - Math.log(alpha + tenure + t);
  const z = t / (alpha + tenure + t);
  const c = a + b + x - (fit.variant === 'mbg' ? 0 : 1);
  const am1 = a - 1;
  // [1 − (1−z)^(a−1)] / (a−1), continuous at a = 1 where it is −ln(1−z).
  const leading = Math.abs(am1) < 1e-12 ? -logOneMinusZ : -Math.expm1(am1 * logOneMinusZ) / am1;
  const bracket = leading - Math.exp(am1 * logOneMinusZ) * hypergeometricTail(c - r - x, a, c, z);
  const odds = logDropOutOdds(fit.params, x, recency, tenure, fit.variant);
  const denominator = odds === Number.NEGATIVE_INFINITY ? 1 : 1 + Math.exp(odds);
  const value = (c * bracket) / denominator;
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Above this `a` the drop-out probability p ~ Beta(a, b) is all but fixed at a/(a+b) (the flat ridge the fit
 * accepts when the data show no heterogeneity in drop-out), and the series of {@link expectedTransactions}
 * overflows (a ≈ 8,000 gave 0 for every customer of a 400-customer shop); its limit is exact there: at
 * a = 784 the two agree to 4 parts in 100,000.
 */
const FIXED_DROPOUT_A = 500;

/**
 * E[purchases in (T, T+t]] when every customer drops out after a purchase with the same p = a/(a+b):
 * P(alive) · E[(1 − e^(−λ·p·t)) / p] with λ ~ Gamma(r + x, α + T), i.e. P(alive) · (1 − ((α+T)/(α+T+p·t))^(r+x)) / p.
 */
function fixedDropoutExpectation(
  fit: BgNbdFit,
  x: number,
  recency: number,
  tenure: number,
  t: number,
): number {
  const { r, alpha, a, b } = fit.params;
  const p = a / (a + b);
  const value =
    (probabilityAlive(fit, x, recency, tenure) *
      -Math.expm1((r + x) * Math.log((alpha + tenure) / (alpha + tenure + p * t)))) /
    p;
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Σ_{k≥1} (p)_k (a)_{k−1} / ((c)_k k!) z^k: the series of ₂F₁(p, a−1; c; z) minus its first term, divided
 * by (a−1).
 */
function hypergeometricTail(p: number, a: number, c: number, z: number): number {
  let term = (p * z) / c;
  let sum = term;
  for (let k = 1; k < 100_000; k++) {
    term *= ((p + k) * (a + k - 1) * z) / ((c + k) * (k + 1));
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) break;
  }
  return sum;
}
