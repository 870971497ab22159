import { describe, expect, it } from 'vitest';
import { expectedOrderValue, fitGammaGamma, MAX_P, MAX_Q } from '../../../lib/model/gamma-gamma';
import { Random } from '../../../lib/random';
import { cdnowSampleCalibration } from './cdnow-sample';

describe('fitGammaGamma', () => {
  it('recovers the published CDNOW spend parameters (p≈6.25, q≈3.74, γ≈15.44) within 2%', () => {
    // Prepare
    const { frequency, meanRepeatSpend } = cdnowSampleCalibration();

    // Act
    const fit = fitGammaGamma(frequency, meanRepeatSpend);

    // Assess
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(946);
    expect(Math.abs(fit.params.p / 6.25 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.q / 3.74 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.gamma / 15.44 - 1)).toBeLessThan(0.02);
  });

  it('shrinks a repeat buyer towards the population mean, and gives non-repeaters the population mean', () => {
    // Prepare
    const fit = fitGammaGamma(...spendSample());
    const { p, q, gamma } = fit.params;
    const population = (p * gamma) / (q - 1);

    // Act
    const newcomer = expectedOrderValue(fit, 0, 0);
    const bigSpender = expectedOrderValue(fit, 3, 10 * population);

    // Assess
    expect(newcomer).toBeCloseTo(population, 6);
    expect(bigSpender).toBeGreaterThan(population);
    expect(bigSpender).toBeLessThan(10 * population);
  });

  it('stops at the cap on q, and says so, when spend per order is the same for every customer', () => {
    // Prepare: every order ~ Gamma(3, scale 20), the same for all customers, so the likelihood's supremum is
    // at q, γ → ∞ where every prediction is the pooled mean order value.
    const [frequency, spend] = homogeneousSpendSample();
    let orders = 0;
    let total = 0;
    frequency.forEach((x, i) => {
      orders += x;
      total += x * (spend[i] as number);
    });
    const pooledMean = total / orders;

    // Act
    const fit = fitGammaGamma(frequency, spend);

    // Assess: converged at the boundary in a few hundred likelihood calls (two runs of 2,000 iterations
    // each without the cap), and predictions within 1% of the unbounded optimum's.
    expect(fit.converged).toBe(true);
    expect(fit.boundary).toMatch(/homogeneous/);
    expect(fit.params.q).toBeCloseTo(MAX_Q, 6);
    expect(fit.evaluations).toBeLessThan(1500);
    for (const [x, m] of [
      [0, 0],
      [1, 0.5 * pooledMean],
      [12, 2 * pooledMean],
    ] as const) {
      expect(Math.abs(expectedOrderValue(fit, x, m) / pooledMean - 1)).toBeLessThan(0.01);
    }
  });

  it('stops at the caps on p and q, and says so, when every order of every customer is 20.00', () => {
    // Prepare: the likelihood's supremum is at p, q → ∞ (no spread between a customer's orders, none between
    // customers). Uncapped, p ran to 3e7 in 19,000 likelihood calls and the fit reported no convergence.
    const frequency = repeatCounts(500);
    const spend = frequency.map(() => 20);

    // Act
    const fit = fitGammaGamma(frequency, spend);

    // Assess
    expect(fit.converged).toBe(true);
    expect(fit.params.p).toBeCloseTo(MAX_P, 6);
    expect(fit.params.q).toBeCloseTo(MAX_Q, 6);
    expect(fit.boundary).toMatch(/^p reached its cap .*; q reached its cap /);
    expect(fit.evaluations).toBeLessThan(1500);
    for (const [x, m] of [
      [0, 0],
      [1, 20],
      [10, 20],
    ] as const)
      expect(Math.abs(expectedOrderValue(fit, x, m) / 20 - 1)).toBeLessThan(0.001);
  });

  it('stops at the cap on p when each customer always spends the same but customers differ slightly', () => {
    // Prepare: 1 customer in 50 at 20.01–20.03 instead of 20.00. Uncapped, the fit "converged" at p ≈ 5e7,
    // in the likelihood's float noise, after 9,700 likelihood calls, and reported only the cap on q.
    const frequency = repeatCounts(500);
    const spend = frequency.map((_, i) => (i % 50 === 0 ? 20 + 0.01 * (1 + (i % 3)) : 20));

    // Act
    const fit = fitGammaGamma(frequency, spend);

    // Assess
    expect(fit.converged).toBe(true);
    expect(fit.params.p).toBeCloseTo(MAX_P, 6);
    expect(fit.boundary).toMatch(/^p reached its cap /);
    expect(fit.evaluations).toBeLessThan(1500);
    frequency.forEach((x, i) => {
      expect(Math.abs(expectedOrderValue(fit, x, spend[i] as number) / 20 - 1)).toBeLessThan(0.001);
    });
  });

  it("predicts each customer's own order value when every customer pays a fixed plan price (10, 20 or 50)", () => {
    // Prepare: customers differ (q ≈ 2.7) but each one's orders are all equal, so p → ∞: uncapped, p ran to
    // 1.5e6 in 19,000 likelihood calls and the fit reported no convergence.
    const frequency = repeatCounts(500);
    const spend = frequency.map((_, i) => [10, 20, 50][i % 3] as number);

    // Act
    const fit = fitGammaGamma(frequency, spend);

    // Assess: only p at its cap, and every prediction within 0.1% of the plan price.
    expect(fit.converged).toBe(true);
    expect(fit.boundary).toMatch(/^p reached its cap [^;]*$/);
    expect(fit.evaluations).toBeLessThan(1500);
    frequency.forEach((x, i) => {
      const price = spend[i] as number;
      expect(Math.abs(expectedOrderValue(fit, x, price) / price - 1)).toBeLessThan(0.001);
    });
  });

  it('reports no boundary when customers differ in spend', () => {
    expect(fitGammaGamma(...spendSample()).boundary).toBeUndefined();
  });

  it('falls back to mean spends, and says why, when nobody repeats', () => {
    // Act
    const fit = fitGammaGamma([0, 0, 0], [0, 0, 0], [10, 20, 30]);

    // Assess
    expect(fit.converged).toBe(false);
    expect(fit.reason).toMatch(/repeat buyer/);
    expect(expectedOrderValue(fit, 0, 0)).toBe(20);
  });

  it('leaves out customers whose returns outweigh their repeat purchases, and never predicts a negative value', () => {
    // Prepare
    const [frequency, spend] = spendSample();
    frequency.push(2);
    spend.push(-50);

    // Act
    const fit = fitGammaGamma(frequency, spend);

    // Assess
    expect(fit.customers).toBe(frequency.length - 1);
    expect(expectedOrderValue(fit, 2, -50)).toBeGreaterThan(0);
  });
});

/** Repeat-purchase counts 1–10 of `n` repeat buyers (deterministic). */
function repeatCounts(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 + ((i * 7) % 10));
}

/** Repeat buyers with spread-out mean spends (deterministic). */
function spendSample(): [number[], number[]] {
  const frequency: number[] = [];
  const spend: number[] = [];
  for (let i = 0; i < 200; i++) {
    frequency.push(1 + (i % 7));
    spend.push(20 + ((i * 37) % 97) + (i % 5) * 15);
  }
  return [frequency, spend];
}

/** 3,000 repeat buyers (1–12 repeat orders) whose orders all come from one Gamma(3, scale 20) (seeded). */
function homogeneousSpendSample(): [number[], number[]] {
  const random = new Random(7);
  const frequency: number[] = [];
  const spend: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const x = 1 + random.int(12);
    let sum = 0;
    for (let k = 0; k < x; k++) sum += random.gamma(3, 20);
    frequency.push(x);
    spend.push(sum / x);
  }
  return [frequency, spend];
}
