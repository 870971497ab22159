import { describe, expect, it } from 'vitest';
import type { BgNbdFit } from '../../../lib/model/bg-nbd';
import { applyCalibration, type ValueCalibration } from '../../../lib/model/calibration';
import { defaultFitOptions, fitModel } from '../../../lib/model/fit';
import type { GammaGammaFit } from '../../../lib/model/gamma-gamma';
import {
  btydSpendComponent,
  calibratedMixture,
  intervalCoverage,
  mixtureMean,
  mixtureQuantile,
  type NetworkComponents,
  normalCdf,
  type SpendMixture,
  spendInterval,
  spendIntervals,
} from '../../../lib/model/spend-distribution';
import { Random } from '../../../lib/random';
import { syntheticShop } from './synthetic';

/** One customer's mixture of zero-inflated lognormals [weight, p, μ, σ]. */
function mixtureOf(...components: [number, number, number, number][]): SpendMixture {
  return {
    rows: 1,
    width: components.length,
    weight: Float64Array.from(components, (c) => c[0]),
    p: Float64Array.from(components, (c) => c[1]),
    mu: Float64Array.from(components, (c) => c[2]),
    sigma: Float64Array.from(components, (c) => c[3]),
  };
}

const Z_90 = 1.2815515655446004;

describe('spend distribution', () => {
  it('gives a lognormal its own quantiles, and the normal CDF to 1e-7', () => {
    // Prepare
    const mixture = mixtureOf([1, 1, 3, 0.8]);

    // Act
    const q90 = mixtureQuantile(mixture, 0, 0.9);
    const q10 = mixtureQuantile(mixture, 0, 0.1);

    // Assess
    expect(q90 / Math.exp(3 + 0.8 * Z_90)).toBeCloseTo(1, 6);
    expect(q10 / Math.exp(3 - 0.8 * Z_90)).toBeCloseTo(1, 6);
    expect(normalCdf(Z_90)).toBeCloseTo(0.9, 7);
    expect(normalCdf(-Z_90)).toBeCloseTo(0.1, 7);
  });

  it('holds 80%: equal tails when spending nothing is under 10% likely, else from 0', () => {
    // Prepare: P(spend = 0) of 5%, 50% and 90%.
    const rare = mixtureOf([1, 0.95, 3, 0.5]);
    const even = mixtureOf([1, 0.5, 3, 0.5]);
    const dormant = mixtureOf([1, 0.1, 3, 0.5]);

    // Act
    const [rareLow, rareHigh] = spendInterval(rare, 0);
    const evenInterval = spendInterval(even, 0);
    const dormantInterval = spendInterval(dormant, 0);

    // Assess: each interval's probability under its own distribution.
    const cdf = (p: number, y: number) => 1 - p + p * normalCdf((Math.log(y) - 3) / 0.5);
    expect(cdf(0.95, rareHigh) - cdf(0.95, rareLow)).toBeCloseTo(0.8, 6);
    expect(evenInterval[0]).toBe(0);
    expect(cdf(0.5, evenInterval[1])).toBeCloseTo(0.8, 6);
    expect(dormantInterval).toEqual([0, 0]);
  });

  it('has the calibrated prediction as its mean: map, blend and level carried through', () => {
    // Prepare: two members per customer, a map, a blend with a column and a level factor.
    const network: NetworkComponents = {
      rows: 2,
      members: 2,
      p: Float32Array.from([0.3, 0.5, 0.9, 0.8]),
      mu: Float32Array.from([2, 2.5, 4, 3.6]),
      sigma: Float32Array.from([0.7, 1.1, 0.4, 0.6]),
    };
    const calibration: ValueCalibration = {
      blendColumn: 'column',
      blendWeight: 0.5,
      x: [5, 50],
      y: [8, 40],
      levelFactor: 1.3,
    };
    const column = btydColumn();

    // Act
    const mixture = calibratedMixture(network, calibration, column.distribution);

    // Assess
    const raw = [0, 1].map((i) => {
      let mean = 0;
      for (let m = 0; m < 2; m++) {
        const j = 2 * i + m;
        mean +=
          ((network.p[j] as number) *
            Math.exp((network.mu[j] as number) + 0.5 * (network.sigma[j] as number) ** 2)) /
          2;
      }
      return mean;
    });
    const predicted = applyCalibration(calibration, raw, column.means);
    for (const i of [0, 1]) expect(mixtureMean(mixture, i) / (predicted[i] as number)).toBeCloseTo(1, 5);
  });

  it('keeps the BG/NBD + Gamma-Gamma mean, and a customer likelier dead is likelier to spend nothing', () => {
    // Prepare
    const { bgNbd, gammaGamma } = btydFits();
    const active = { x: 5, recency: 200, tenure: 210, expectedOrders: 1.2, orderValue: 40 };
    const silent = { x: 5, recency: 20, tenure: 210, expectedOrders: 0.2, orderValue: 40 };

    // Act
    const a = btydSpendComponent(bgNbd, gammaGamma, active, 90);
    const s = btydSpendComponent(bgNbd, gammaGamma, silent, 90);

    // Assess
    const meanOf = (c: typeof a) => c.p * Math.exp(c.mu + 0.5 * c.sigma ** 2);
    expect(meanOf(a)).toBeCloseTo(active.expectedOrders * active.orderValue, 6);
    expect(meanOf(s)).toBeCloseTo(silent.expectedOrders * silent.orderValue, 6);
    expect(s.p).toBeLessThan(a.p);
  });

  it('measures coverage: a calibrated distribution holds what it expects, and its randomized PIT 80%', () => {
    // Prepare: 4,000 customers whose spend is drawn from their own mixture (some mostly dormant).
    const random = new Random(5);
    const rows = 4000;
    const mixture: SpendMixture = {
      rows,
      width: 2,
      weight: new Float64Array(rows * 2).fill(0.5),
      p: Float64Array.from({ length: rows * 2 }, (_, k) => (k % 4 < 2 ? 0.95 : 0.15)),
      mu: Float64Array.from({ length: rows * 2 }, (_, k) => 2 + (k % 2)),
      sigma: new Float64Array(rows * 2).fill(0.6),
    };
    const actual = Float32Array.from({ length: rows }, (_, i) => {
      const k = 2 * i + (random.next() < 0.5 ? 0 : 1);
      return random.next() < (mixture.p[k] as number)
        ? Math.exp((mixture.mu[k] as number) + 0.6 * random.normal())
        : 0;
    });

    // Act
    const coverage = intervalCoverage(mixture, spendIntervals(mixture), actual);

    // Assess
    expect(coverage.expected).toBeGreaterThan(0.82);
    expect(Math.abs(coverage.inside - coverage.expected)).toBeLessThan(0.02);
    expect(Math.abs(coverage.exactly80.inside - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(coverage.pit80 - 0.8)).toBeLessThan(0.02);
  });

  it("gives a trained ZILN model's interval around the spend, and none for the MSE MLP", async () => {
    // Prepare
    const shop = syntheticShop(1500, 3);
    const options = { ...defaultFitOptions(shop.train.features.rows), seed: 1, epochs: 2, members: 2 };
    const ziln = await fitModel(shop.train, undefined, { ...options, architecture: 'ziln' });
    const mlp = await fitModel(shop.train, undefined, { ...options, architecture: 'mlp', members: 1 });

    // Act
    const interval = ziln.predictInterval(shop.test.features);
    const prediction = ziln.predict(shop.test.features);
    const mixture = ziln.mixtureOf(prediction);
    const { value } = prediction;
    const none = mlp.predictInterval(shop.test.features);
    ziln.dispose();
    mlp.dispose();

    // Assess: the members' distributions read from the prediction's pass in plain JS are the TF.js ones.
    expect(none).toBeUndefined();
    expect(interval?.low).toHaveLength(shop.test.features.rows);
    for (let i = 0; i < value.length; i++) {
      expect(interval?.low[i]).toBeLessThanOrEqual(interval?.high[i] as number);
      expect(mixtureMean(mixture as SpendMixture, i) / (value[i] as number)).toBeCloseTo(1, 4);
    }
  }, 60_000);
});

function btydFits(): { bgNbd: BgNbdFit; gammaGamma: GammaGammaFit } {
  return {
    bgNbd: {
      params: { r: 0.7, alpha: 50, a: 0.3, b: 2 },
      converged: true,
      fallbackRate: 0,
      logLikelihood: 0,
      customers: 0,
    },
    gammaGamma: {
      params: { p: 4, q: 3, gamma: 20 },
      converged: true,
      fallbackMeanSpend: 0,
      logLikelihood: 0,
      customers: 0,
    },
  };
}

/** A blend column of two customers and its distribution. */
function btydColumn() {
  const { bgNbd, gammaGamma } = btydFits();
  const customers = [
    { x: 2, recency: 100, tenure: 150, expectedOrders: 0.6, orderValue: 30 },
    { x: 0, recency: 0, tenure: 40, expectedOrders: 0.3, orderValue: 25 },
  ];
  const components = customers.map((c) => btydSpendComponent(bgNbd, gammaGamma, c, 90));
  return {
    means: customers.map((c) => c.expectedOrders * c.orderValue),
    distribution: {
      p: Float64Array.from(components, (c) => c.p),
      mu: Float64Array.from(components, (c) => c.mu),
      sigma: Float64Array.from(components, (c) => c.sigma),
    },
  };
}
