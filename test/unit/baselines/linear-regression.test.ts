import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../lib/model/feature-matrix';
import {
  fitLinearRegression,
  MissingFeatureError,
  predictLinear,
} from '../../../lib/model/linear-regression';

function matrix(names: string[], rows: number[][]): FeatureMatrix {
  return {
    names,
    rows: rows.length,
    cols: names.length,
    values: Float32Array.from(rows.flat()),
    customers: Int32Array.from(rows.map((_, i) => i)),
  };
}

describe('linear regression baseline', () => {
  it('recovers an exact linear relation on the seed features', () => {
    // Prepare: label = 5 + 2·orders + 0.5·mean value − 0.1·days since last.
    const rows = Array.from({ length: 40 }, (_, i) => [1 + (i % 5), 10 + ((i * 7) % 23), (i * 13) % 31]);
    const label = rows.map(([o, m, d]) => 5 + 2 * (o as number) + 0.5 * (m as number) - 0.1 * (d as number));
    const features = matrix(['order_count', 'mean_order_value', 'days_since_last'], rows);

    // Act
    const model = fitLinearRegression(features, label);

    // Assess
    expect(model.intercept).toBeCloseTo(5, 3);
    expect(model.coefficients[0]).toBeCloseTo(2, 3);
    expect(model.coefficients[1]).toBeCloseTo(0.5, 3);
    expect(model.coefficients[2]).toBeCloseTo(-0.1, 3);
  });

  it('clips negative predictions at 0 and survives a constant column without NaN', () => {
    // Prepare
    const features = matrix(
      ['order_count', 'mean_order_value', 'days_since_last'],
      [
        [1, 10, 0],
        [1, 10, 50],
        [1, 10, 100],
      ],
    );
    const label = [100, 50, 0];

    // Act
    const model = fitLinearRegression(features, label);
    const far = predictLinear(model, matrix(model.features, [[1, 10, 300]]));

    // Assess
    expect(model.coefficients.every(Number.isFinite)).toBe(true);
    expect(far[0]).toBe(0);
  });

  it('names the missing column when a matrix lacks a seed feature', () => {
    // Act / Assess
    expect(() => fitLinearRegression(matrix(['order_count'], [[1]]), [1])).toThrow(MissingFeatureError);
  });
});
