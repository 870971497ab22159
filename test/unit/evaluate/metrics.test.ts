import { describe, expect, it } from 'vitest';
import {
  decileMape,
  evaluateMetrics,
  MetricInputError,
  meanAbsoluteError,
  normalizedGini,
  returnAuc,
  rootMeanSquaredError,
  spearman,
  topShare,
} from '../../../lib/evaluate/metrics';

describe('normalized Gini', () => {
  it('is 1 for a perfect ordering', () => {
    expect(normalizedGini([3, 2, 1, 0], [4, 3, 2, 1])).toBeCloseTo(1, 12);
  });

  it('matches the hand-computed value for the reversed ordering (−1/6 ÷ 2/3)', () => {
    // gain curve of the reversed order: [0, 1, 3, 6]/6 → 2·(10/6)/4 − 1 = −1/6; perfect: [3, 5, 6, 6]/6 → 2/3.
    expect(normalizedGini([3, 2, 1, 0], [1, 2, 3, 4])).toBeCloseTo(-0.25, 12);
  });

  it('breaks ties by input order, so constant predictions score what that order scores', () => {
    // order [0, 1, 2]: gain [0, 0, 1] → 2/3 − 1 = −1/3; perfect [1, 1, 1] → 1.
    expect(normalizedGini([0, 0, 6], [1, 1, 1])).toBeCloseTo(-1 / 3, 12);
    expect(normalizedGini([6, 0, 0], [1, 1, 1])).toBeCloseTo(1, 12);
  });

  it('is undefined (NaN) when nobody spent', () => {
    expect(normalizedGini([0, 0, 0], [1, 2, 3])).toBeNaN();
  });
});

describe('Spearman', () => {
  it('averages the ranks of ties', () => {
    // ranks: actual [1, 2, 3, 4], predicted [1.5, 1.5, 3.5, 3.5] → 4 / √(5·4).
    expect(spearman([1, 2, 3, 4], [1, 1, 2, 2])).toBeCloseTo(4 / Math.sqrt(20), 12);
  });

  it('is −1 for a reversed ordering and NaN for constant predictions', () => {
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});

describe('decile MAPE', () => {
  it('averages |mean predicted − mean actual| / mean actual over buckets, skipping all-zero buckets', () => {
    // Prepare: 20 customers, 2 per bucket; only the two top buckets have spend.
    const predicted = Array.from({ length: 20 }, (_, i) => i);
    const actual = predicted.map((p) => (p >= 18 ? 20 : p >= 16 ? 33 : 0));

    // Act
    const mape = decileMape(actual, predicted);

    // Assess: top bucket |18.5 − 20|/20 = 0.075, next |16.5 − 33|/33 = 0.5.
    expect(mape).toBeCloseTo((0.075 + 0.5) / 2, 12);
  });

  it('is 0 for exact predictions and NaN when every bucket is all zero', () => {
    const values = Array.from({ length: 30 }, (_, i) => i + 1);
    expect(decileMape(values, values)).toBeCloseTo(0, 12);
    expect(decileMape(new Array(30).fill(0), values)).toBeNaN();
  });
});

describe('errors and shares', () => {
  it('computes MAE and RMSE', () => {
    expect(meanAbsoluteError([0, 2, 4], [1, 2, 1])).toBeCloseTo(4 / 3, 12);
    expect(rootMeanSquaredError([0, 2, 4], [1, 2, 1])).toBeCloseTo(Math.sqrt(10 / 3), 12);
  });

  it('gives the share of actual value held by the top 10% predicted', () => {
    // Prepare: 20 customers, the top 2 by prediction hold 5 + 3 of 20.
    const predicted = Array.from({ length: 20 }, (_, i) => i);
    const actual = predicted.map((p) => (p === 19 ? 5 : p === 18 ? 3 : p === 0 ? 12 : 0));

    // Act / Assess
    expect(topShare(actual, predicted, 0.1)).toBeCloseTo(0.4, 12);
  });
});

describe('AUC of returning', () => {
  it('is 1 when every returning customer is ranked above every other', () => {
    expect(returnAuc([0, 1, 0, 2], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(1, 12);
  });

  it('counts a tie between a returning and a non-returning customer as one half', () => {
    // pairs: (0.5 vs 0.5) ½, (0.5 vs 0.2) 1, (0.9 vs both) 2 → 3.5 / 4.
    expect(returnAuc([0, 1, 0, 2], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
  });

  it('is 0.5 for constant predictions and NaN when nobody returns', () => {
    expect(returnAuc([0, 1, 0, 2], [3, 3, 3, 3])).toBeCloseTo(0.5, 12);
    expect(returnAuc([0, 0], [1, 2])).toBeNaN();
  });
});

describe('evaluateMetrics', () => {
  it('is every single metric, to the bit, each ordering sorted once', () => {
    // Prepare: spend with ties and zeros, predictions with ties.
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const actual = Float32Array.from({ length: 5_000 }, () =>
      random() < 0.6 ? 0 : Math.round(random() * 50),
    );
    const predicted = Float32Array.from(actual, (a) => Math.round((a + random() * 30) * 2) / 2);

    // Act
    const all = evaluateMetrics(actual, predicted);

    // Assess
    expect(all).toMatchObject({
      gini: normalizedGini(actual, predicted),
      spearman: spearman(actual, predicted),
      decileMape: decileMape(actual, predicted),
      mae: meanAbsoluteError(actual, predicted),
      rmse: rootMeanSquaredError(actual, predicted),
      top10Share: topShare(actual, predicted, 0.1),
      aucReturn: returnAuc(actual, predicted),
    });
  });

  it('rejects misaligned inputs instead of scoring them', () => {
    expect(() => evaluateMetrics([1, 2], [1])).toThrow(MetricInputError);
    expect(() => evaluateMetrics([], [])).toThrow(MetricInputError);
  });
});
