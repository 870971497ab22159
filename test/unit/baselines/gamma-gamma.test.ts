import { describe, expect, it } from 'vitest';
import { expectedOrderValue, fitGammaGamma } from '../../../lib/model/gamma-gamma';
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
