/**
 * Per-customer features as a dense row-major matrix: row r is customer `customers[r]` (an index into the
 * TransactionTable's customerIds), column c is feature `names[c]`. Float32 because that is what TF.js eats.
 */
export interface FeatureMatrix {
  readonly names: string[];
  readonly rows: number;
  readonly cols: number;
  /** `values[r * cols + c]`. */
  readonly values: Float32Array;
  readonly customers: Int32Array;
}

/** Feature rows with their label: net spend in the horizon after the features' as-of date, clipped at 0. */
export interface LabelledRows {
  readonly features: FeatureMatrix;
  readonly label: Float32Array;
}

/**
 * One column of a matrix, by name.
 * @throws Error when the matrix has no such column
 */
export function featureColumn(matrix: FeatureMatrix, name: string): Float32Array {
  const c = matrix.names.indexOf(name);
  if (c < 0) throw new Error(`no feature column ${name}`);
  const out = new Float32Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) out[r] = matrix.values[r * matrix.cols + c] as number;
  return out;
}
