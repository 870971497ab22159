import { describe, expect, it } from 'vitest';
import { expectedTransactions, fitBgNbd } from '../../../lib/model/bg-nbd';
import { fitGammaGamma } from '../../../lib/model/gamma-gamma';
import { Random } from '../../../lib/random';

/** BG/NBD customers with known parameters (days): λ ~ Gamma(r, 1/α), p ~ Beta(a, b), tenure uniform. */
function simulatedPopulation(customers: number, seed: number) {
  const random = new Random(seed);
  const frequency = new Float64Array(customers);
  const recency = new Float64Array(customers);
  const tenure = new Float64Array(customers);
  const meanSpend = new Float64Array(customers);
  for (let c = 0; c < customers; c++) {
    const rate = random.gamma(0.7, 1 / 40);
    const dropOut = random.beta(0.8, 4);
    const spendRate = random.gamma(4, 1 / 30);
    const T = Math.floor(30 + random.next() * 700);
    let last = 0;
    let x = 0;
    let spend = 0;
    // BG/NBD: drop-out can follow a repeat purchase, never the first one.
    for (let t = random.exponential(rate); t < T; t += random.exponential(rate)) {
      x++;
      last = Math.floor(t);
      spend += random.gamma(6, 1 / spendRate);
      if (random.next() < dropOut) break;
    }
    frequency[c] = x;
    recency[c] = last;
    tenure[c] = T;
    meanSpend[c] = x > 0 ? spend / x : 0;
  }
  return { frequency, recency, tenure, meanSpend };
}

describe('fits on a seeded sample of a large population', () => {
  const population = simulatedPopulation(60_000, 7);

  it('BG/NBD on 30,000 of 60,000 customers predicts what the full fit predicts, within 5%', () => {
    // Act
    const sampled = fitBgNbd(population);
    const full = fitBgNbd(population, { sampleSize: Number.POSITIVE_INFINITY });

    // Assess
    expect(sampled.converged).toBe(true);
    expect(full.converged).toBe(true);
    expect(sampled.sampleSize).toBe(30_000);
    expect(sampled.customers).toBe(60_000);
    expect(full.sampleSize).toBeUndefined();
    for (const [x, tx, T] of [
      [0, 0, 100],
      [2, 50, 200],
      [8, 300, 400],
      [5, 100, 600],
    ] as const) {
      const ratio = expectedTransactions(sampled, x, tx, T, 90) / expectedTransactions(full, x, tx, T, 90);
      expect(Math.abs(ratio - 1)).toBeLessThan(0.05);
    }
    // A new customer's 90-day expectation is the generating parameters' one, within sampling error
    // (recency is floored to whole days, as computeFeatures does, which biases the fit a little).
    const truth = { ...full, params: { r: 0.7, alpha: 40, a: 0.8, b: 4 } };
    const newCustomer = (fit: typeof full) => expectedTransactions(fit, 0, 0, 0, 90);
    expect(Math.abs(newCustomer(sampled) / newCustomer(truth) - 1)).toBeLessThan(0.1);
  });

  it('BG/NBD is the same fit for the same data and seed', () => {
    // Act
    const once = fitBgNbd(population, { sampleSize: 5_000 });
    const again = fitBgNbd(population, { sampleSize: 5_000 });
    const otherSeed = fitBgNbd(population, { sampleSize: 5_000, seed: 1 });

    // Assess
    expect(again.params).toEqual(once.params);
    expect(otherSeed.params).not.toEqual(once.params);
  });

  it('BG/NBD stops at the iteration cap and then says it did not converge', () => {
    // Act
    const capped = fitBgNbd(population, { sampleSize: 5_000, maxIterations: 5 });

    // Assess: at most 8 runs (pilot and main, two starts, each with a restart) of 5 iterations.
    expect(capped.converged).toBe(false);
    expect(capped.reason).toMatch(/converge/);
    expect(capped.iterations).toBeLessThanOrEqual(8 * 5);
  });

  it('Gamma-Gamma on a sample of the repeat buyers gives the full fit population mean spend, within 3%', () => {
    // Act
    const fit = fitGammaGamma(population.frequency, population.meanSpend);

    // Assess
    const { p, q, gamma } = fit.params;
    expect(fit.converged).toBe(true);
    expect(fit.sampleSize).toBe(30_000);
    expect(fit.customers).toBeGreaterThan(30_000);
    let sum = 0;
    let n = 0;
    population.frequency.forEach((x, i) => {
      if (x > 0) {
        sum += population.meanSpend[i] as number;
        n++;
      }
    });
    expect(Math.abs((p * gamma) / (q - 1) / (sum / n) - 1)).toBeLessThan(0.03);
  });
});
