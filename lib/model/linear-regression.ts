import type { FeatureMatrix } from './feature-matrix';

/** The seed design's regression inputs: order count, mean order value, days since last purchase. */
export const SEED_LINEAR_FEATURES = ['order_count', 'mean_order_value', 'days_since_last'] as const;

/** A fitted least-squares model over named feature columns. */
export interface LinearModel {
  features: string[];
  intercept: number;
  coefficients: number[];
}

/** A feature the model needs is not a column of the matrix it was given. */
export class MissingFeatureError extends Error {
  constructor(name: string) {
    super(`feature "${name}" is not a column of the feature matrix`);
    this.name = 'MissingFeatureError';
  }
}

/**
 * Ordinary least squares with an intercept on the named columns (normal equations on standardised
 * inputs, solved by Gaussian elimination with partial pivoting). A vanishing ridge (1e-9) keeps constant
 * or collinear columns solvable instead of producing NaN.
 */
export function fitLinearRegression(
  matrix: FeatureMatrix,
  label: ArrayLike<number>,
  features: readonly string[] = SEED_LINEAR_FEATURES,
): LinearModel {
  const columns = features.map((name) => columnIndex(matrix, name));
  const k = columns.length;
  const n = matrix.rows;
  const mean = new Float64Array(k);
  const scale = new Float64Array(k);
  let labelMean = 0;
  for (let r = 0; r < n; r++) {
    labelMean += label[r] as number;
    columns.forEach((c, j) => {
      mean[j] = (mean[j] as number) + (matrix.values[r * matrix.cols + c] as number);
    });
  }
  labelMean /= Math.max(1, n);
  for (let j = 0; j < k; j++) mean[j] = (mean[j] as number) / Math.max(1, n);
  for (let r = 0; r < n; r++) {
    columns.forEach((c, j) => {
      scale[j] =
        (scale[j] as number) + ((matrix.values[r * matrix.cols + c] as number) - (mean[j] as number)) ** 2;
    });
  }
  for (let j = 0; j < k; j++) scale[j] = Math.sqrt((scale[j] as number) / Math.max(1, n)) || 1;

  // Centred and scaled inputs make XᵀX well conditioned and the intercept fall out as the means.
  const gram = Array.from({ length: k }, () => new Float64Array(k));
  const moment = new Float64Array(k);
  const z = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    columns.forEach((c, j) => {
      z[j] = ((matrix.values[r * matrix.cols + c] as number) - (mean[j] as number)) / (scale[j] as number);
    });
    const y = (label[r] as number) - labelMean;
    for (let i = 0; i < k; i++) {
      moment[i] = (moment[i] as number) + (z[i] as number) * y;
      const row = gram[i] as Float64Array;
      for (let j = 0; j < k; j++) row[j] = (row[j] as number) + (z[i] as number) * (z[j] as number);
    }
  }
  for (let i = 0; i < k; i++)
    (gram[i] as Float64Array)[i] = ((gram[i] as Float64Array)[i] as number) + 1e-9 * Math.max(1, n);
  const beta = solve(gram, moment);
  const coefficients = Array.from(beta, (b, j) => b / (scale[j] as number));
  const intercept = labelMean - coefficients.reduce((s, b, j) => s + b * (mean[j] as number), 0);
  return { features: [...features], intercept, coefficients };
}

/** Predictions of a linear model, clipped at 0 (spend cannot be negative). */
export function predictLinear(model: LinearModel, matrix: FeatureMatrix): Float32Array {
  const columns = model.features.map((name) => columnIndex(matrix, name));
  const out = new Float32Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    let y = model.intercept;
    columns.forEach((c, j) => {
      y += (model.coefficients[j] as number) * (matrix.values[r * matrix.cols + c] as number);
    });
    out[r] = Number.isFinite(y) && y > 0 ? y : 0;
  }
  return out;
}

function columnIndex(matrix: FeatureMatrix, name: string): number {
  const c = matrix.names.indexOf(name);
  if (c < 0) throw new MissingFeatureError(name);
  return c;
}

function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const k = b.length;
  const m: Float64Array[] = a.map((row) => Float64Array.from(row));
  const x = Float64Array.from(b);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++)
      if (
        Math.abs((m[r] as Float64Array)[col] as number) > Math.abs((m[pivot] as Float64Array)[col] as number)
      )
        pivot = r;
    const swap = m[col] as Float64Array;
    m[col] = m[pivot] as Float64Array;
    m[pivot] = swap;
    [x[col], x[pivot]] = [x[pivot] as number, x[col] as number];
    const p = m[col] as Float64Array;
    for (let r = col + 1; r < k; r++) {
      const row = m[r] as Float64Array;
      const f = (row[col] as number) / (p[col] as number);
      for (let c = col; c < k; c++) row[c] = (row[c] as number) - f * (p[c] as number);
      x[r] = (x[r] as number) - f * (x[col] as number);
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    const row = m[r] as Float64Array;
    let s = x[r] as number;
    for (let c = r + 1; c < k; c++) s -= (row[c] as number) * (x[c] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}
