import { describe, expect, it } from 'vitest';
import {
  type BgNbdFit,
  bgNbdLogLikelihood,
  expectedTransactions,
  fitBgNbd,
  probabilityAlive,
} from '../../../lib/model/bg-nbd';
import { cdnowSampleCalibration } from './cdnow-sample';

const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('fitBgNbd', () => {
  it('recovers the published CDNOW parameters (Fader, Hardie & Lee 2005) within 2%', () => {
    // Prepare
    const summary = cdnowSampleCalibration();

    // Act
    const fit = fitBgNbd(summary);

    // Assess
    expect(summary.frequency).toHaveLength(2357);
    expect(fit.converged).toBe(true);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[name] / PUBLISHED[name] - 1)).toBeLessThan(0.02);
    }
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
  });

  it('gives the published conditional expectation for a customer with x=2, t_x=30.43, T=38.86', () => {
    // Prepare: FHL 2005's worked example, 39 weeks ahead.
    const fit: BgNbdFit = {
      params: PUBLISHED,
      converged: true,
      fallbackRate: 0,
      logLikelihood: 0,
      customers: 0,
    };

    // Act
    const expected = expectedTransactions(fit, 2, 30.43, 38.86, 39);

    // Assess
    expect(expected).toBeCloseTo(1.226, 2);
  });

  it('falls back to the population rate, and says why, when nobody repeats', () => {
    // Prepare
    const summary = { frequency: [0, 0, 0], recency: [0, 0, 0], tenure: [10, 20, 30] };

    // Act
    const fit = fitBgNbd(summary);

    // Assess
    expect(fit.converged).toBe(false);
    expect(fit.reason).toMatch(/repeat/);
    expect(expectedTransactions(fit, 0, 0, 10, 30)).toBe(0);
    expect(probabilityAlive(fit, 0, 0, 10)).toBe(1);
  });

  it('uses the mean repeat rate as the fallback when the fit is not identifiable', () => {
    // Prepare: one repeater only.
    const fit = fitBgNbd({ frequency: [4, 0], recency: [8, 0], tenure: [10, 10] });

    // Act
    const expected = expectedTransactions(fit, 0, 0, 10, 5);

    // Assess
    expect(fit.converged).toBe(false);
    expect(expected).toBeCloseTo((4 / 20) * 5, 10);
  });
});

describe('BG/NBD predictions', () => {
  const fit: BgNbdFit = {
    params: { r: 0.7, alpha: 50, a: 0.05, b: 0.7 },
    converged: true,
    fallbackRate: 0,
    logLikelihood: 0,
    customers: 0,
  };

  it('match the untransformed closed form (FHL 2005 eq. 10) where its series is computable', () => {
    // Prepare
    const cases = [
      [0, 0, 100, 91],
      [1, 30, 200, 91],
      [12, 150, 300, 181],
      [50, 290, 300, 60],
    ] as const;

    // Act
    const ours = cases.map(([x, tx, T, t]) => expectedTransactions(fit, x, tx, T, t));
    const direct = cases.map(([x, tx, T, t]) => directExpectation(fit.params, x, tx, T, t));

    // Assess
    ours.forEach((v, i) => {
      expect(v).toBeCloseTo(direct[i] as number, 8);
    });
  });

  it('stay finite and non-negative for heavy buyers, where the plain hypergeometric series overflows', () => {
    // Act: customers who bought on the last day, with ever more purchases.
    const values = [0, 1, 50, 300, 2000].map((x) => expectedTransactions(fit, x, 365, 365, 91));

    // Assess
    for (const v of values) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(values[4]).toBeGreaterThan(values[3] as number);
    expect(values[3]).toBeGreaterThan(values[2] as number);
  });

  it('are continuous through a = 1, where the closed form divides by a − 1', () => {
    // Prepare
    const around = (a: number): BgNbdFit => ({ ...fit, params: { ...fit.params, a } });

    // Act
    const below = expectedTransactions(around(1 - 1e-7), 3, 20, 40, 30);
    const at = expectedTransactions(around(1), 3, 20, 40, 30);
    const above = expectedTransactions(around(1 + 1e-7), 3, 20, 40, 30);

    // Assess
    expect(at).toBeGreaterThan(0);
    expect(below).toBeCloseTo(at, 5);
    expect(above).toBeCloseTo(at, 5);
  });

  it('agree with the expected count implied by the likelihood being a probability (P(alive) in [0, 1])', () => {
    // Act
    const alive = [
      probabilityAlive(fit, 0, 0, 100),
      probabilityAlive(fit, 5, 10, 300),
      probabilityAlive(fit, 5, 299, 300),
    ];

    // Assess: no repeat → alive; a long silence after repeats makes drop-out likelier than a recent buy.
    expect(alive[0]).toBe(1);
    expect(alive[1]).toBeLessThan(alive[2] as number);
    for (const p of alive) expect(p).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(bgNbdLogLikelihood(fit.params, 5, 10, 300))).toBe(true);
  });
});

/** FHL 2005 eq. 10 exactly as printed, with a plain ₂F₁ series: fine for moderate x, overflows for large x. */
function directExpectation(
  params: { r: number; alpha: number; a: number; b: number },
  x: number,
  tx: number,
  T: number,
  t: number,
): number {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  let term = 1;
  let hypergeometric = 1;
  for (let k = 0; k < 100_000 && Math.abs(term) > 1e-17 * Math.abs(hypergeometric); k++) {
    term *= ((r + x + k) * (b + x + k) * z) / ((a + b + x - 1 + k) * (k + 1));
    hypergeometric += term;
  }
  const numerator =
    ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric);
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
  return numerator / denominator;
}

describe('expectedTransactions on the flat ridge (drop-out all but fixed: a, b → ∞)', () => {
  it('stays positive and continuous where the series would overflow', () => {
    // Prepare: the same drop-out probability p = a/(a+b) = 0.0784 ever less heterogeneous, as a fit on a
    // 400-customer shop once returned (a ≈ 1.3e6).
    const fitWith = (scale: number): BgNbdFit => ({
      params: { r: 0.49, alpha: 32.9, a: 0.0784 * scale, b: 0.9216 * scale },
      converged: true,
      fallbackRate: 0.01,
      logLikelihood: 0,
      customers: 400,
    });

    // Act
    const at = (scale: number) => expectedTransactions(fitWith(scale), 3, 200, 300, 181);
    const below = at(5000);
    const above = at(8000);
    const far = at(1.65e7);

    // Assess: the exact series just under the switch and the limit just over it agree; far out it is the limit.
    expect(below).toBeGreaterThan(1);
    expect(Math.abs(above / below - 1)).toBeLessThan(1e-3);
    expect(Math.abs(far / above - 1)).toBeLessThan(1e-3);
  });
});
