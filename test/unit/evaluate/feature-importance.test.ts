import { describe, expect, it } from 'vitest';
import { featureGroups, permutationImportance } from '../../../lib/evaluate/feature-importance';
import type { FeatureMatrix } from '../../../lib/model/feature-matrix';

const NAMES = ['spend', 'noise', 'cat_country=UK', 'cat_country=DE'];

/** Rows whose truth is the `spend` column; the other columns are unrelated to it. */
function matrix(rows: number): { features: FeatureMatrix; actual: Float32Array } {
  const values = new Float32Array(rows * NAMES.length);
  const actual = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const spend = (r * 37) % 101;
    values.set([spend, (r * 53) % 17, r % 2, 1 - (r % 2)], r * NAMES.length);
    actual[r] = spend;
  }
  return {
    features: {
      names: NAMES,
      rows,
      cols: NAMES.length,
      values,
      customers: Int32Array.from({ length: rows }, (_, i) => i),
    },
    actual,
  };
}

/** A model that reads only the `spend` column (plus a little of the country, to rank ties). */
const spendModel = (m: FeatureMatrix) =>
  Float32Array.from(
    { length: m.rows },
    (_, r) => (m.values[r * m.cols] as number) + 0.01 * (m.values[r * m.cols + 2] as number),
  );

describe('permutationImportance', () => {
  it('ranks the column the model reads first and gives the columns it ignores no importance', () => {
    // Prepare
    const { features, actual } = matrix(500);

    // Act
    const importance = permutationImportance(features, actual, spendModel);

    // Assess
    expect(importance?.baselineGini).toBeCloseTo(1, 5);
    expect(importance?.features[0]?.name).toBe('spend');
    expect(importance?.features[0]?.drop).toBeGreaterThan(0.5);
    expect(importance?.features.find((f) => f.name === 'noise')?.drop).toBe(0);
  });

  it('shuffles the one-hot columns of a categorical together and reports them as one feature', () => {
    // Prepare
    const { features, actual } = matrix(200);
    const seen: FeatureMatrix[] = [];

    // Act
    const importance = permutationImportance(
      features,
      actual,
      (m) => {
        seen.push({ ...m, values: Float32Array.from(m.values) });
        return spendModel(m);
      },
      { repeats: 1 },
    );

    // Assess: one call unshuffled, then one per feature group; every shuffled row stays one-hot.
    expect(importance?.features.map((f) => f.name).sort()).toEqual(['cat_country', 'noise', 'spend']);
    expect(seen).toHaveLength(4);
    for (const m of seen)
      for (let r = 0; r < m.rows; r++)
        expect((m.values[r * 4 + 2] as number) + (m.values[r * 4 + 3] as number)).toBe(1);
  });

  it('is deterministic for a seed and scores a seeded sample of at most maxRows rows', () => {
    // Prepare
    const { features, actual } = matrix(1000);
    const rowsSeen: number[] = [];
    const model = (m: FeatureMatrix) => {
      rowsSeen.push(m.rows);
      return spendModel(m);
    };

    // Act
    const first = permutationImportance(features, actual, model, { maxRows: 300, seed: 5 });
    const again = permutationImportance(features, actual, model, { maxRows: 300, seed: 5 });
    const other = permutationImportance(features, actual, model, { maxRows: 300, seed: 6 });

    // Assess
    expect(first).toEqual(again);
    expect(first?.rows).toBe(300);
    expect(new Set(rowsSeen)).toEqual(new Set([300]));
    expect(other?.features[0]?.drop).not.toBe(first?.features[0]?.drop);
  });

  it('is undefined when nobody spent, and refuses a truth of the wrong length', () => {
    // Prepare
    const { features } = matrix(50);

    // Act / Assess
    expect(permutationImportance(features, new Float32Array(50), spendModel)).toBeUndefined();
    expect(() => permutationImportance(features, new Float32Array(49), spendModel)).toThrow(
      /49 values for 50/,
    );
  });
});

describe('featureGroups', () => {
  it('keeps plain columns apart and groups a categorical by its prefix', () => {
    // Act / Assess
    expect(featureGroups(['a', 'cat_x=1', 'b', 'cat_x=__other__'])).toEqual([
      { name: 'a', columns: [0] },
      { name: 'cat_x', columns: [1, 3] },
      { name: 'b', columns: [2] },
    ]);
  });
});
