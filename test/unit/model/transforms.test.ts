import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../lib/model/feature-matrix';
import {
  applyTransforms,
  FeatureSchemaMismatchError,
  fitTransforms,
  NonFiniteFeatureError,
  STANDARDIZED_LIMIT,
} from '../../../lib/model/transforms';

function matrix(names: string[], rows: number[][]): FeatureMatrix {
  return {
    names,
    rows: rows.length,
    cols: names.length,
    values: Float32Array.from(rows.flat()),
    customers: Int32Array.from(rows.keys()),
  };
}

/** Spend-like column: mostly small, one huge value → strongly skewed. */
const spend = [0, 1, 2, 3, 1, 0, 2, 1, 0, 5000];

describe('feature transforms', () => {
  it('log-transforms a skewed column and standardizes with statistics of the training rows only', () => {
    // Prepare
    const train = matrix(
      ['spend', 'days', 'constant'],
      spend.map((s, i) => [s, i * 10, 7]),
    );
    const serving = matrix(['spend', 'days', 'constant'], [[20, 45, 3]]);
    const logged = spend.map((s) => Math.log1p(s));
    const logMean = logged.reduce((a, b) => a + b, 0) / logged.length;
    const logStd = Math.sqrt(logged.reduce((a, b) => a + (b - logMean) ** 2, 0) / logged.length);
    const days = spend.map((_, i) => i * 10);
    const daysMean = days.reduce((a, b) => a + b, 0) / days.length;
    const daysStd = Math.sqrt(days.reduce((a, b) => a + (b - daysMean) ** 2, 0) / days.length);

    // Act
    const transforms = fitTransforms(train);
    const out = applyTransforms(transforms, serving);

    // Assess
    expect(transforms.columns.map((c) => c.log)).toEqual([true, false, false]);
    expect(out[0]).toBeCloseTo((Math.log1p(20) - logMean) / logStd, 5);
    expect(out[1]).toBeCloseTo((45 - daysMean) / daysStd, 5);
    // Constant in training: its std falls back to 1, so serving values are only centred on it.
    expect(out[2]).toBeCloseTo(3 - 7, 5);
  });

  it('gives identical outputs after a JSON round trip (what serving receives)', () => {
    // Prepare
    const train = matrix(
      ['spend', 'days'],
      spend.map((s, i) => [s, i]),
    );
    const transforms = fitTransforms(train);

    // Act
    const restored = JSON.parse(JSON.stringify(transforms));

    // Assess
    expect(applyTransforms(restored, train)).toEqual(applyTransforms(transforms, train));
  });

  it('clips standardized values so an extreme unseen customer cannot saturate the network', () => {
    // Prepare
    const train = matrix(
      ['days'],
      [0, 1, 2, 3, 4].map((d) => [d]),
    );

    // Act
    const out = applyTransforms(fitTransforms(train), matrix(['days'], [[1e6], [-1e6]]));

    // Assess
    expect([...out]).toEqual([STANDARDIZED_LIMIT, -STANDARDIZED_LIMIT]);
  });

  it('refuses NaN and Infinity with the column and row at fault', () => {
    // Prepare
    const bad = matrix(
      ['spend', 'days'],
      [
        [1, 2],
        [3, Number.NaN],
      ],
    );

    // Act + Assess
    expect(() => fitTransforms(bad)).toThrow(NonFiniteFeatureError);
    expect(() => fitTransforms(bad)).toThrow(/feature days is NaN in row 1/);
    const transforms = fitTransforms(matrix(['spend', 'days'], [[1, 2]]));
    expect(() => applyTransforms(transforms, matrix(['spend', 'days'], [[Infinity, 2]]))).toThrow(
      /feature spend is Infinity in row 0/,
    );
  });

  it('refuses a matrix whose columns are in another order', () => {
    // Prepare
    const transforms = fitTransforms(matrix(['a', 'b'], [[1, 2]]));

    // Act + Assess
    expect(() => applyTransforms(transforms, matrix(['b', 'a'], [[2, 1]]))).toThrow(
      FeatureSchemaMismatchError,
    );
    expect(() => applyTransforms(transforms, matrix(['a', 'c'], [[2, 1]]))).toThrow(
      /missing \[b\], unexpected \[c\]/,
    );
  });
});
