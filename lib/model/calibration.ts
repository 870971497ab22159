/**
 * Turning a network's ranking into usable money figures. Fitted on held-out customers (never on the
 * rows the network learnt from), saved in the model's spec, applied by every prediction:
 * 1. a strictly increasing piecewise-linear map from the network's value to spend, through one knot per
 *    predicted-value bucket (x = mean prediction, y = mean actual spend, made monotone by pooling
 *    adjacent violators): the level of the past windows the holdout comes from;
 * 2. an optional average with a feature column (the BG/NBD + Gamma-Gamma expected spend, a forecast
 *    that extrapolates each customer's own purchase process): (1 − w) · mapped + w · column. Two
 *    forecasts whose level errors differ average to a steadier level (design measurements in
 *    lib/training/fit-value-model.ts);
 * 3. an optional level factor: the season's correction, measured on the same calendar window one year
 *    earlier where the history holds one.
 */
export interface ValueCalibration {
  /** Feature column averaged in; absent = the mapped network alone. */
  readonly blendColumn?: string;
  /** Weight w of the blend column, in [0, 1]. */
  readonly blendWeight: number;
  /** Knots of the map, x strictly increasing and > 0, y strictly increasing and > 0. */
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Multiplies every prediction (step 3); absent = 1. */
  readonly levelFactor?: number;
}

/** Buckets of the calibration map: as many as the decile MAPE checks, fewer on small holdouts. */
export const CALIBRATION_BUCKETS = 10;
/** A bucket needs this many customers for its mean spend to mean something. */
const MIN_BUCKET_SIZE = 30;
/**
 * A knot's y is at least this share of its x: buckets whose customers spent nothing would otherwise map
 * to 0 and tie, losing the network's ranking among them (those buckets do not count in the decile MAPE).
 */
const MIN_RATIO = 0.02;
/** Consecutive knots' y grow by at least this factor, so the map stays strictly increasing. */
const MIN_STEP = 1.001;

/** The identity: what a model without calibration predicts. */
export const IDENTITY_CALIBRATION: ValueCalibration = { blendWeight: 0, x: [1], y: [1] };

/**
 * Fit the map of step 1 on held-out predictions and their actual spend: equal-count buckets by
 * prediction (10, or fewer so each holds ≥ 30 customers), one knot per bucket, y pooled to be monotone.
 * Returns the identity when there are too few customers or nobody spent.
 */
export function fitCalibrationMap(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
): Pick<ValueCalibration, 'x' | 'y'> {
  const n = predicted.length;
  const buckets = Math.min(CALIBRATION_BUCKETS, Math.floor(n / MIN_BUCKET_SIZE));
  let totalActual = 0;
  for (let i = 0; i < n; i++) totalActual += actual[i] as number;
  if (buckets < 1 || !(totalActual > 0)) return { x: IDENTITY_CALIBRATION.x, y: IDENTITY_CALIBRATION.y };
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (predicted[a] as number) - (predicted[b] as number),
  );
  // Pooled blocks: [sum of predictions, sum of actuals, count], merged when x ties or y decreases.
  const blocks: [number, number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let sp = 0;
    let sa = 0;
    for (let k = from; k < to; k++) {
      sp += predicted[order[k] as number] as number;
      sa += actual[order[k] as number] as number;
    }
    blocks.push([sp, sa, to - from]);
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1] as [number, number, number];
      const prev = blocks[blocks.length - 2] as [number, number, number];
      const sameX = last[0] / last[2] <= prev[0] / prev[2];
      const violates = last[1] / last[2] < prev[1] / prev[2];
      if (!sameX && !violates) break;
      blocks.pop();
      prev[0] += last[0];
      prev[1] += last[1];
      prev[2] += last[2];
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const [sp, sa, count] of blocks) {
    const meanPredicted = sp / count;
    if (!(meanPredicted > 0)) continue;
    const floor = Math.max(MIN_RATIO * meanPredicted, (y[y.length - 1] ?? 0) * MIN_STEP);
    x.push(meanPredicted);
    y.push(Math.max(sa / count, floor));
  }
  return x.length > 0 ? { x, y } : { x: IDENTITY_CALIBRATION.x, y: IDENTITY_CALIBRATION.y };
}

/**
 * Apply a calibration to network predictions. `column` holds the blend column's raw values for the
 * same rows (required when the calibration blends). Results are finite and ≥ 0.
 */
export function applyCalibration(
  calibration: ValueCalibration,
  network: ArrayLike<number>,
  column?: ArrayLike<number>,
): Float32Array {
  const w = calibration.blendColumn ? calibration.blendWeight : 0;
  if (w > 0 && (!column || column.length !== network.length))
    throw new Error(`calibration blends ${calibration.blendColumn} but its values were not given`);
  const level = calibration.levelFactor ?? 1;
  const out = new Float32Array(network.length);
  for (let i = 0; i < network.length; i++) {
    const mapped = mapValue(calibration, network[i] as number);
    const value =
      w > 0 ? (1 - w) * mapped + w * Math.max(0, (column as ArrayLike<number>)[i] as number) : mapped;
    out[i] = level * value;
  }
  return out;
}

/** The piecewise-linear map: linear through the knots, proportional (through 0) outside them. */
export function mapValue(calibration: Pick<ValueCalibration, 'x' | 'y'>, value: number): number {
  const { x, y } = calibration;
  const last = x.length - 1;
  const v = Math.max(0, value);
  if (v <= (x[0] as number)) return (v * (y[0] as number)) / (x[0] as number);
  if (v >= (x[last] as number)) return (v * (y[last] as number)) / (x[last] as number);
  let hi = 1;
  while ((x[hi] as number) < v) hi++;
  const x0 = x[hi - 1] as number;
  const y0 = y[hi - 1] as number;
  return y0 + ((v - x0) * ((y[hi] as number) - y0)) / ((x[hi] as number) - x0);
}
