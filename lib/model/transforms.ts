import type { FeatureMatrix } from './feature-matrix';

/** How one column is turned into a network input: optional signed log, then standardization. */
export interface ColumnTransform {
  readonly name: string;
  /** Apply `sign(x)·log1p(|x|)` first: chosen for skewed columns (spend, counts, BG/NBD expectations). */
  readonly log: boolean;
  readonly mean: number;
  /** 1 for a column that was constant on the training rows (it then maps to 0). */
  readonly std: number;
}

/** Per-feature transforms fitted on training rows; plain JSON, saved with the model and reused at serving. */
export interface FeatureTransforms {
  readonly version: 1;
  readonly columns: readonly ColumnTransform[];
}

/** A feature value that is NaN or ±Infinity: a bug upstream, never something to learn from. */
export class NonFiniteFeatureError extends Error {
  constructor(
    readonly column: string,
    readonly row: number,
    readonly value: number,
  ) {
    super(`feature ${column} is ${value} in row ${row}: features must be finite numbers`);
    this.name = 'NonFiniteFeatureError';
  }
}

/** The matrix's columns are not the ones the transforms (and so the model) were fitted on. */
export class FeatureSchemaMismatchError extends Error {
  constructor(expected: readonly string[], actual: readonly string[]) {
    const missing = expected.filter((n) => !actual.includes(n));
    const extra = actual.filter((n) => !expected.includes(n));
    const detail =
      missing.length || extra.length
        ? `missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`
        : 'same names in a different order';
    super(`feature columns differ from the model's (${detail}); expected [${expected.join(', ')}]`);
    this.name = 'FeatureSchemaMismatchError';
  }
}

/** Skewness above which a column is log-transformed: spend-like columns are far above it, days and ratios below. */
const SKEW_FOR_LOG = 2;
/** Standardized inputs are clipped here, so an unseen extreme customer cannot saturate the network. */
export const STANDARDIZED_LIMIT = 10;
const MIN_STD = 1e-9;

/**
 * Fit the transforms on TRAINING rows only (never validation or serving rows, which would leak).
 * @throws {@link NonFiniteFeatureError} on a NaN/Infinity value.
 */
export function fitTransforms(matrix: FeatureMatrix): FeatureTransforms {
  assertFinite(matrix);
  const { rows, cols, values, names } = matrix;
  const columns: ColumnTransform[] = [];
  for (let c = 0; c < cols; c++) {
    const raw = new Float64Array(rows);
    for (let r = 0; r < rows; r++) raw[r] = values[r * cols + c] as number;
    const log = Math.abs(skewness(raw)) > SKEW_FOR_LOG;
    if (log) for (let r = 0; r < rows; r++) raw[r] = signedLog1p(raw[r] as number);
    const { mean, std } = meanAndStd(raw);
    columns.push({ name: names[c] as string, log, mean, std: std > MIN_STD ? std : 1 });
  }
  return { version: 1, columns };
}

/**
 * Apply fitted transforms to a matrix (training, validation or serving alike): the network's input,
 * row-major like the matrix. Refuses a matrix whose column names or order differ from the fitted ones.
 * @throws {@link FeatureSchemaMismatchError}, {@link NonFiniteFeatureError}
 */
export function applyTransforms(transforms: FeatureTransforms, matrix: FeatureMatrix): Float32Array {
  assertSameColumns(
    transforms.columns.map((c) => c.name),
    matrix.names,
  );
  assertFinite(matrix);
  const { rows, cols, values } = matrix;
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const { log, mean, std } = transforms.columns[c] as ColumnTransform;
    for (let r = 0; r < rows; r++) {
      const x = values[r * cols + c] as number;
      const z = ((log ? signedLog1p(x) : x) - mean) / std;
      out[r * cols + c] = Math.max(-STANDARDIZED_LIMIT, Math.min(STANDARDIZED_LIMIT, z));
    }
  }
  return out;
}

/** @throws {@link FeatureSchemaMismatchError} unless `actual` is exactly `expected`, in order. */
export function assertSameColumns(expected: readonly string[], actual: readonly string[]): void {
  if (expected.length !== actual.length || expected.some((name, i) => name !== actual[i])) {
    throw new FeatureSchemaMismatchError(expected, actual);
  }
}

function assertFinite(matrix: FeatureMatrix): void {
  const { values, cols, names } = matrix;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v))
      throw new NonFiniteFeatureError(names[i % cols] as string, Math.floor(i / cols), v);
  }
}

function signedLog1p(x: number): number {
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

function meanAndStd(xs: Float64Array): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / xs.length;
  let sq = 0;
  for (const x of xs) sq += (x - mean) ** 2;
  return { mean, std: Math.sqrt(sq / xs.length) };
}

function skewness(xs: Float64Array): number {
  const { mean, std } = meanAndStd(xs);
  if (std <= MIN_STD) return 0;
  let cube = 0;
  for (const x of xs) cube += ((x - mean) / std) ** 3;
  return cube / xs.length;
}
