import { Random } from '../random';
import { nelderMead } from './optimize';
import { lnGamma } from './special-functions';

/** Gamma-Gamma spend parameters (Fader, Hardie & Lee 2005, "RFM and CLV"): ν ~ Gamma(q, γ), z ~ Gamma(p, ν). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/**
 * A fitted Gamma-Gamma model. When it cannot be trusted (fewer than two repeat buyers with positive mean
 * spend, no convergence, or q ≤ 1 so the population mean spend is infinite) `converged` is false, `reason`
 * says why, and predictions fall back to the customer's own mean repeat spend when positive, else
 * `fallbackMeanSpend` (the mean of repeat buyers' mean spend, or of first purchases when nobody repeats).
 */
export interface GammaGammaFit {
  params: GammaGammaParams;
  converged: boolean;
  reason?: string;
  fallbackMeanSpend: number;
  logLikelihood: number;
  /** Repeat buyers with a positive mean spend: the fit's population. */
  customers: number;
  /** Repeat buyers the likelihood was maximised on, when fewer than `customers` (a seeded random sample). */
  sampleSize?: number;
  /**
   * Set when the fit converged at a cap, which it names (either or both, p first, `; ` between):
   * - `MAX_Q`: spend per order hardly varies between customers, the likelihood keeps improving as q and γ
   *   grow together towards a point-mass ν, and the fit stopped at the cap. Predictions are then ≈ the
   *   population mean spend pγ/(q−1) (which has converged) for everybody.
   * - `MAX_P`: each customer's orders all have (nearly) the same value (fixed prices, subscriptions), the
   *   likelihood keeps improving as p grows, and the fit stopped at the cap. Predictions are then ≈ each
   *   customer's own mean spend.
   */
  boundary?: string;
  /** Calls of the likelihood over both optimiser runs: what the fit cost (absent on fits saved before it was). */
  evaluations?: number;
}

/**
 * Repeat buyers the likelihood is maximised on: more are subsampled (seeded, uniform), which keeps the fit's
 * cost constant; three parameters are well determined by 30,000 customers.
 */
export const GAMMA_GAMMA_SAMPLE_SIZE = 30_000;
/** Per Nelder-Mead run (two runs per fit). */
const MAX_ITERATIONS = 2000;
/**
 * Cap on q, the shape of the spend-rate distribution ν ~ Gamma(q, γ): ν's coefficient of variation is 1/√q,
 * so at the cap customers' spend rates differ by 1%. Without it, homogeneous spend (the likelihood's
 * supremum is at q, γ → ∞ with γ/q fixed) walks the optimiser to q ≈ 1e6–1e8 and out of iterations: past
 * q ≈ 1e5 the likelihood's large terms (n·q·ln γ) cancel to float noise above the optimiser's tolerance.
 * At the cap a customer's own mean gets weight p·x/(p·x + q − 1) < 1% for p·x < 100, so predictions are
 * within 1% of the unbounded optimum's (the population mean spend for everybody).
 */
export const MAX_Q = 1e4;
const MAX_LOG_Q = Math.log(MAX_Q);
/**
 * Cap on p, the shape of a customer's order values z ~ Gamma(p, ν): their coefficient of variation is 1/√p,
 * so at the cap a customer's orders differ by 1%. When each customer's orders all have the same value, the
 * mean spends of customers with few orders spread no more than those of customers with many, and the
 * likelihood's supremum is at p → ∞: without the cap the optimiser walked p to 1e6–5e7, into the
 * likelihood's float noise, and out of iterations (19,000 likelihood calls, "did not converge") or to a
 * spurious convergence. At the cap a prediction moves from the customer's own mean towards the population
 * mean by (q−1)/(p·x+q−1) of the gap between them (0 at the unbounded optimum): under 1% of it while
 * q ≤ 100, and with larger q customers' spend rates differ by under 10% (ν's CV is 1/√q), so the gap is small
 * (1 customer in 10 paying 5% more on every order gives q ≈ 5,000 and predictions up to 2% off their own).
 * The cap is where the likelihood is still computed above its float noise: at 1e5 fits fail to converge.
 */
export const MAX_P = 1e4;
const MAX_LOG_P = Math.log(MAX_P);
/**
 * Weight of the quadratic penalty on ln p, ln q beyond their caps. Steep enough that the simplex settles at
 * the cap: at weight 1, 0.01% past the cap cost less than Nelder-Mead's tolerance, and with both p and q at
 * their caps the restart could wander there for its 2,000 iterations on float noise.
 */
const CAP_PENALTY = 100;

/**
 * Fits Gamma-Gamma by maximum likelihood on repeat buyers (x > 0) whose mean repeat spend is positive
 * (above a millionth of the median, so float residue of cancelled purchases does not count):
 * the model is for positive amounts, so customers whose returns outweigh their purchases are left out.
 * `fallbackSpend` (e.g. first-purchase values) gives the fallback mean when nobody repeats.
 */
export function fitGammaGamma(
  frequency: ArrayLike<number>,
  meanSpend: ArrayLike<number>,
  fallbackSpend: ArrayLike<number> = [],
): GammaGammaFit {
  const positive: number[] = [];
  for (let i = 0; i < frequency.length; i++) {
    const m = meanSpend[i] as number;
    if ((frequency[i] as number) > 0 && m > 0 && Number.isFinite(m)) positive.push(m);
  }
  // A purchase cancelled by a return leaves a mean of float residue (1e-13) rather than exactly 0; its
  // log would dominate the likelihood, so means far below the typical one are treated as zero.
  const floor = 1e-6 * median(positive);
  const xs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < frequency.length; i++) {
    const x = frequency[i] as number;
    const m = meanSpend[i] as number;
    if (x > 0 && m > floor && Number.isFinite(m)) {
      xs.push(x);
      ms.push(m);
    }
  }
  const fallbackMeanSpend = xs.length > 0 ? mean(ms) : positiveMean(fallbackSpend);
  let evaluations = 0;
  const fallback = (reason: string, params: GammaGammaParams = { p: 1, q: 2, gamma: 1 }): GammaGammaFit => ({
    params,
    converged: false,
    reason,
    fallbackMeanSpend,
    logLikelihood: Number.NaN,
    customers: xs.length,
    evaluations,
  });
  if (xs.length < 2) return fallback(`only ${xs.length} repeat buyer(s) with positive spend`);

  const sample = seededSample(xs.length, GAMMA_GAMMA_SAMPLE_SIZE);
  const likelihood = repeatSpendLikelihood(
    sample.map((i) => xs[i] as number),
    sample.map((i) => ms[i] as number),
  );
  // The search runs over (ln p, ln q, ln γ/q): with homogeneous spend the likelihood's ridge (γ/q fixed,
  // q → ∞) then lies along one axis, which the simplex follows in a few expansions. Beyond the cap on p or q
  // the likelihood is held at the cap's and a quadratic penalty added, so the minimum is at the cap. Below
  // the caps the objective is the likelihood itself, so fits that stay there are unchanged by them.
  const negativeLogLikelihood = ([logP, logQ, logGammaPerQ]: number[]): number => {
    const cappedLogP = Math.min(logP as number, MAX_LOG_P);
    const cappedLogQ = Math.min(logQ as number, MAX_LOG_Q);
    const excessP = (logP as number) - cappedLogP;
    const excessQ = (logQ as number) - cappedLogQ;
    return (
      likelihood([cappedLogP, cappedLogQ, (logGammaPerQ as number) + cappedLogQ]) +
      CAP_PENALTY * (excessP * excessP + excessQ * excessQ)
    );
  };
  // Start from a moment-like guess: mean spend ≈ pγ/(q−1) with p = 1, q = 2.
  let result = nelderMead(negativeLogLikelihood, [0, Math.log(2), Math.log(fallbackMeanSpend / 2)], {
    initialStep: 1,
    maxIterations: MAX_ITERATIONS,
  });
  evaluations += result.evaluations;
  result = nelderMead(negativeLogLikelihood, result.x, { initialStep: 0.1, maxIterations: MAX_ITERATIONS });
  evaluations += result.evaluations;
  const [rawLogP, logQ, logGammaPerQ] = result.x as [number, number, number];
  const logP = Math.min(rawLogP, MAX_LOG_P);
  const p = Math.exp(logP);
  const q = Math.exp(Math.min(logQ, MAX_LOG_Q));
  const gammaPerQ = Math.exp(logGammaPerQ);
  const params = { p, q, gamma: gammaPerQ * q };
  if (!Number.isFinite(result.value)) return fallback('the log-likelihood is not finite anywhere searched');
  if (!result.converged) return fallback('the optimiser did not converge', params);
  if (!(q > 1)) return fallback(`q = ${q.toFixed(3)} ≤ 1: the population mean spend is infinite`, params);
  if (![p, q, params.gamma].every((v) => Number.isFinite(v) && v > 0 && v < 1e12))
    return fallback('the optimum lies at a boundary (a parameter went to 0 or infinity)', params);
  return {
    params,
    converged: true,
    fallbackMeanSpend,
    logLikelihood: -likelihood([logP, Math.log(q), Math.log(params.gamma)]),
    customers: xs.length,
    ...(sample.length < xs.length ? { sampleSize: sample.length } : {}),
    ...boundaryOf(rawLogP, logQ),
    evaluations,
  };
}

/**
 * How close (in log) to a cap counts as reaching it: near the cap on p the likelihood's improvement towards
 * it is below its float noise, and the optimiser can settle up to 0.2% short of the cap.
 */
const AT_CAP = 0.01;

/** The caps the optimum reached, said as {@link GammaGammaFit.boundary}. */
function boundaryOf(logP: number, logQ: number): { boundary?: string } {
  const reached = [
    logP >= MAX_LOG_P - AT_CAP
      ? `p reached its cap ${MAX_P}: each customer's orders have (nearly) the same value`
      : '',
    logQ >= MAX_LOG_Q - AT_CAP
      ? `q reached its cap ${MAX_Q}: spend per order is homogeneous across customers`
      : '',
  ].filter((said) => said !== '');
  return reached.length > 0 ? { boundary: reached.join('; ') } : {};
}

/**
 * E[spend per transaction | x repeat purchases with mean m] = (γ + m·x)·p / (p·x + q − 1): a weighted
 * average of the population mean pγ/(q−1) and the customer's own mean. Customers without a positive mean
 * (never repeated, or net returns) get the population mean. Never negative or NaN.
 */
export function expectedOrderValue(fit: GammaGammaFit, x: number, meanSpend: number): number {
  const usable = x > 0 && meanSpend > 0 && Number.isFinite(meanSpend);
  if (!fit.converged) return usable ? meanSpend : Math.max(0, fit.fallbackMeanSpend);
  const { p, q, gamma } = fit.params;
  const value = usable ? ((gamma + meanSpend * x) * p) / (p * x + q - 1) : (p * gamma) / (q - 1);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * −log-likelihood of log-parameters. Only ln(γ + m·x) needs every customer at every evaluation: the
 * gamma-function terms are computed once per distinct x and the terms linear in p are pre-summed.
 */
function repeatSpendLikelihood(xs: number[], ms: number[]): (logParams: number[]) => number {
  const distinctX = [...new Set(xs)];
  const countOfX = distinctX.map(() => 0);
  const position = new Map(distinctX.map((x, i) => [x, i]));
  let sumXLogM = 0;
  let sumLogM = 0;
  let sumXLogX = 0;
  const mx = new Float64Array(xs.length);
  xs.forEach((x, i) => {
    const m = ms[i] as number;
    const at = position.get(x) as number;
    countOfX[at] = (countOfX[at] as number) + 1;
    sumXLogM += x * Math.log(m);
    sumLogM += Math.log(m);
    sumXLogX += x * Math.log(x);
    mx[i] = m * x;
  });
  return (logParams) => {
    const [p, q, gamma] = logParams.map(Math.exp) as [number, number, number];
    let total = xs.length * (q * Math.log(gamma) - lnGamma(q)) + p * (sumXLogM + sumXLogX) - sumLogM;
    distinctX.forEach((x, i) => {
      total += (countOfX[i] as number) * (lnGamma(p * x + q) - lnGamma(p * x));
    });
    for (let i = 0; i < xs.length; i++) {
      total -= (p * (xs[i] as number) + q) * Math.log(gamma + (mx[i] as number));
    }
    return -total;
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length >> 1] as number;
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length > 0 ? sum / values.length : 0;
}

function positiveMean(values: ArrayLike<number>): number {
  const positive: number[] = [];
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > 0) positive.push(values[i] as number);
  return mean(positive);
}

/** Indices 0…n−1 when n ≤ size, else `size` of them drawn uniformly without replacement (seeded), ascending. */
function seededSample(n: number, size: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return all;
  const random = new Random(20_050_501);
  for (let i = 0; i < size; i++) {
    const j = i + random.int(n - i);
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, size).sort((p, q) => p - q);
}
