import { describe, expect, it } from 'vitest';
import { type BgNbdFit, expectedTransactions, fitBgNbd, probabilityAlive } from '../../../lib/model/bg-nbd';
import { cdnowSampleCalibration } from './cdnow-sample';

/** BTYDplus's MBG/NBD estimate on the CDNOW sample in weeks, which lifetimes' tests also check against. */
const BTYDPLUS = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

describe('MBG/NBD (Batislam, Denizel & Filiztekin 2007)', () => {
  it('recovers the BTYDplus parameters on the CDNOW sample within 2%', () => {
    // Prepare
    const summary = cdnowSampleCalibration();

    // Act
    const fit = fitBgNbd(summary, { variant: 'mbg' });

    // Assess
    expect(fit.converged).toBe(true);
    expect(fit.variant).toBe('mbg');
    for (const name of ['r', 'alpha', 'a', 'b'] as const)
      expect(Math.abs(fit.params[name] / BTYDPLUS[name] - 1)).toBeLessThan(0.02);
  });

  it('does not pin a one-time buyer at P(alive) = 1: it falls with the silence since the first purchase', () => {
    // Prepare
    const fit = mbg(BTYDPLUS);

    // Act
    const pAlive = [0, 1, 10, 40].map((tenure) => probabilityAlive(fit, 0, 0, tenure));

    // Assess: b/(a+b) right after the purchase (the share that did not drop out at it), then lower.
    expect(pAlive[0]).toBeCloseTo(BTYDPLUS.b / (BTYDPLUS.a + BTYDPLUS.b), 10);
    for (let i = 1; i < pAlive.length; i++) expect(pAlive[i]).toBeLessThan(pAlive[i - 1] as number);
    expect(probabilityAlive({ ...fit, variant: undefined }, 0, 0, 40)).toBe(1);
  });

  it("gives lifetimes' conditional expectation (Wagner & Hoppe 2008) for x=2, t_x=30.43, T=38.86, 39 weeks", () => {
    // Prepare
    const fit = mbg(BTYDPLUS);

    // Act
    const ours = expectedTransactions(fit, 2, 30.43, 38.86, 39);

    // Assess: the direct series of the printed formula, and lifetimes' test value (±0.05).
    expect(ours).toBeCloseTo(directMbgExpectation(BTYDPLUS, 2, 30.43, 38.86, 39), 8);
    expect(Math.abs(ours - 1.226)).toBeLessThan(0.05);
  });
});

function mbg(params: BgNbdFit['params']): BgNbdFit {
  return { params, variant: 'mbg', converged: true, fallbackRate: 0, logLikelihood: 0, customers: 0 };
}

/** lifetimes' ModifiedBetaGeoFitter.conditional_expected_number_of_purchases_up_to_time with a plain ₂F₁ series. */
function directMbgExpectation(
  { r, alpha, a, b }: BgNbdFit['params'],
  x: number,
  tx: number,
  T: number,
  t: number,
): number {
  const z = t / (alpha + T + t);
  let term = 1;
  let hypergeometric = 1;
  for (let k = 0; k < 100_000 && Math.abs(term) > 1e-17 * Math.abs(hypergeometric); k++) {
    term *= ((r + x + k) * (b + x + 1 + k) * z) / ((a + b + x + k) * (k + 1));
    hypergeometric += term;
  }
  const numerator =
    ((a + b + x) / (a - 1)) * (1 - hypergeometric * ((alpha + T) / (alpha + T + t)) ** (r + x));
  return numerator / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}
