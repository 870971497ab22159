import type { FeatureMatrix } from '../model/feature-matrix';
import { seededRandom } from '../random';
import { normalizedGini } from './metrics';

/** How much the model's ranking relies on each feature: the drop in normalized Gini when it is shuffled. */
export interface FeatureImportance {
  method: 'permutation';
  metric: 'gini';
  /** Rows scored: every row, or a seeded sample of {@link PermutationOptions.maxRows} of them. */
  rows: number;
  repeats: number;
  seed: number;
  /** The model's normalized Gini on those rows with nothing shuffled. */
  baselineGini: number;
  /** One entry per feature (the one-hot columns of a categorical count as one), largest drop first. */
  features: { name: string; drop: number }[];
}

/** Feature columns shuffled together and reported as one feature. */
export interface FeatureGroup {
  name: string;
  columns: number[];
}

export interface PermutationOptions {
  /** Default {@link featureGroups} of the matrix's names (a transaction feature matrix's columns). */
  groups?: readonly FeatureGroup[];
  /** Score at most this many rows (a seeded sample): the cost is repeats × features predictions of them. */
  maxRows?: number;
  /** Shuffles per feature; the drops are averaged. */
  repeats?: number;
  seed?: number;
}

const DEFAULTS = { maxRows: 5_000, repeats: 3, seed: 20_190_101 };
/** One-hot columns of a categorical (`cat_country=France`): shuffled together, reported as `cat_country`. */
const ONE_HOT = /^(cat_[^=]+)=/;

/**
 * Permutation importance (Breiman 2001) of a fitted model on labelled rows: for each feature, the rows'
 * values of that feature are shuffled (the other columns stay), the model predicts again, and the drop of
 * the normalized Gini against `actual` is the feature's importance; averaged over `repeats` shuffles.
 * Deterministic for a given seed. `predict` must return one value per row of the matrix it is given.
 * Returns `undefined` when the Gini is undefined on these rows (nobody spent anything).
 */
export function permutationImportance(
  features: FeatureMatrix,
  actual: Float32Array,
  predict: (features: FeatureMatrix) => Float32Array,
  options: PermutationOptions = {},
): FeatureImportance | undefined {
  const { maxRows, repeats, seed } = { ...DEFAULTS, ...options };
  const groups = options.groups ?? featureGroups(features.names);
  const random = seededRandom(seed);
  const sample = sampleRows(features, actual, maxRows, random);
  const baselineGini = normalizedGini(sample.actual, predict(sample.features));
  if (!Number.isFinite(baselineGini)) return undefined;

  const { cols, rows } = sample.features;
  const original = sample.features.values;
  const shuffled = Float32Array.from(original);
  const matrix: FeatureMatrix = { ...sample.features, values: shuffled };
  const importance = groups.map(({ name, columns }) => {
    let drop = 0;
    for (let repeat = 0; repeat < repeats; repeat++) {
      const order = permutation(rows, random);
      for (let r = 0; r < rows; r++)
        for (const c of columns) shuffled[r * cols + c] = original[(order[r] as number) * cols + c] as number;
      drop += baselineGini - normalizedGini(sample.actual, predict(matrix));
      for (let r = 0; r < rows; r++)
        for (const c of columns) shuffled[r * cols + c] = original[r * cols + c] as number;
    }
    return { name, drop: drop / repeats };
  });
  importance.sort((a, b) => b.drop - a.drop || a.name.localeCompare(b.name));
  return { method: 'permutation', metric: 'gini', rows, repeats, seed, baselineGini, features: importance };
}

/** Feature columns grouped as they are shuffled: one group per plain column, one per categorical. */
export function featureGroups(names: readonly string[]): FeatureGroup[] {
  const groups = new Map<string, number[]>();
  names.forEach((name, c) => {
    const group = ONE_HOT.exec(name)?.[1] ?? name;
    groups.set(group, [...(groups.get(group) ?? []), c]);
  });
  return [...groups].map(([name, columns]) => ({ name, columns }));
}

function sampleRows(
  features: FeatureMatrix,
  actual: Float32Array,
  maxRows: number,
  random: () => number,
): { features: FeatureMatrix; actual: Float32Array } {
  if (actual.length !== features.rows)
    throw new RangeError(`actual has ${actual.length} values for ${features.rows} feature rows`);
  if (features.rows <= maxRows) return { features, actual };
  const picks = permutation(features.rows, random)
    .subarray(0, maxRows)
    .sort((a, b) => a - b);
  const { cols } = features;
  const values = new Float32Array(maxRows * cols);
  picks.forEach((row, i) => {
    values.set(features.values.subarray(row * cols, (row + 1) * cols), i * cols);
  });
  return {
    features: {
      names: features.names,
      cols,
      rows: maxRows,
      values,
      customers: Int32Array.from(picks, (row) => features.customers[row] as number),
    },
    actual: Float32Array.from(picks, (row) => actual[row] as number),
  };
}

/** A seeded random permutation of 0..n−1 (Fisher-Yates). */
function permutation(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}
