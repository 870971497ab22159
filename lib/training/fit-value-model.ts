import { normalizedGini, spearman } from '../evaluate/metrics';
import {
  type CustomerFeatures,
  computeFeatures,
  DAY_MS,
  type FeatureSpec,
} from '../features/compute-features';
import type { LabelledRows } from '../features/feature-matrix';
import { buildTrainingRows, type TrainingRows } from '../features/training-rows';
import type { TransactionTable } from '../ingest/transaction-table';
import { applyCalibration, fitCalibrationMap, type ValueCalibration } from '../model/calibration';
import { defaultFitOptions, type FitOptions, fitModel, seededRandom } from '../model/fit';
import type { EpochLog, TrainedModel } from '../model/value-model';
import { visibleTable } from './visible-table';

export interface ValueModelOptions {
  horizonDays: number;
  /** Overrides of {@link defaultFitOptions} (architecture, seed, epochs, …). */
  fit?: Partial<FitOptions>;
  /**
   * Fit the blend and money calibration on the held-out customers; default true for ZILN and false for
   * the MSE MLP (the seed's baseline stays what the seed was).
   */
  calibrate?: boolean;
  /** Most labelled windows stacked (features at asOf−H, asOf−2H, …); default {@link MAX_WINDOWS}. */
  maxWindows?: number;
  onEpoch?: (log: EpochLog) => void;
  onProgress?: (message: string) => void;
}

/** A fitted value model and what serving needs to reproduce its inputs. */
export interface ValueModelFit {
  model: TrainedModel;
  /** The feature spec at `asOf` (categorical levels, BG/NBD and Gamma-Gamma fits) reused to serve requests. */
  featureSpec: FeatureSpec;
  /** Features at `asOf` of every customer with history: the batch to score. */
  scoring: CustomerFeatures;
  asOf: number;
  horizonDays: number;
  /** As-of dates (epoch ms) of the stacked labelled windows the network learnt from, most recent first. */
  trainWindows: number[];
  /**
   * As-of date of the most recent labelled window (asOf − H). Early stopping and calibration use the
   * held-out customers' rows of every stacked window, not a window of their own.
   */
  validationWindow: number;
  /** What the holdout chose (absent when the history was too small to hold customers out). */
  holdout?: { rows: number; blendWeight: number; bestEpoch: number };
}

/** Stack at most this many labelled windows: older behaviour helps less than it costs. */
export const MAX_WINDOWS = 3;
/** An older window joins the stack only with at least this share of the most recent window's customers. */
const MIN_WINDOW_SHARE = 0.5;
/** Share of customers held out for early stopping and calibration. */
export const HOLDOUT_SHARE = 0.2;
/** Below this many labelled rows nothing is held out: every row trains, for a fixed number of epochs. */
const MIN_ROWS_FOR_HOLDOUT = 200;
const EPOCHS_WITHOUT_HOLDOUT = 20;
/** Candidate weights of the BG/NBD + Gamma-Gamma expectation in the blend. */
const BLEND_WEIGHTS = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
export const BLEND_COLUMN = 'bgnbd_gg_expected_spend';

/**
 * The one way valuecast fits its model on a history that ends at `asOf` (exclusive), used by training and
 * by the backtest alike. No transaction at or after `asOf` is read (the table is cut there first).
 * 1. Labelled windows: features at asOf−H (labels in [asOf−H, asOf)), plus older windows asOf−2H, … while
 *    they hold at least half as many customers as the most recent one (young shops have few).
 * 2. A seeded 20% of CUSTOMERS (all their windows) is held out; the network trains on the rest and
 *    early-stops on the held-out rows' loss.
 * 3. On the held-out rows (all stacked windows, the same mix of periods the network learnt from: on
 *    CDNOW, calibrating on the most recent window alone chased that summer quarter's level and
 *    under-predicted the next quarter by 14%): the blend weight of the BG/NBD + Gamma-Gamma expectation
 *    that ranks them best (Gini + Spearman), then a monotone map from predicted to actual spend per
 *    bucket (lib/model/calibration.ts), both saved in the model.
 * Deterministic for a given seed.
 */
export async function fitValueModel(
  table: TransactionTable,
  asOf: number,
  options: ValueModelOptions,
): Promise<ValueModelFit> {
  const { horizonDays } = options;
  const progress = options.onProgress ?? (() => {});
  const history = lastTime(table) < asOf ? table : visibleTable(table, asOf);
  progress('features at the scoring date');
  const scoring = computeFeatures(history, asOf, { horizonDays });
  progress('labelled windows');
  const rows = buildTrainingRows(history, {
    cutoff: asOf,
    horizonDays,
    rollingCutoffs: options.maxWindows ?? MAX_WINDOWS,
    categoryLevels: scoring.spec.categoryLevels,
  });
  const stacked = keepPopulatedWindows(rows);
  const base: FitOptions = { ...defaultFitOptions(stacked.rows.features.rows), ...options.fit };
  const calibrate = options.calibrate ?? base.architecture === 'ziln';
  const seed = base.seed;
  const split =
    stacked.rows.features.rows >= MIN_ROWS_FOR_HOLDOUT ? splitByCustomer(stacked.rows, seed) : undefined;
  const result = {
    featureSpec: scoring.spec,
    scoring,
    asOf,
    horizonDays,
    trainWindows: stacked.windows.map((w) => w.asOf),
    validationWindow: asOf - horizonDays * DAY_MS,
  };
  if (!split) {
    progress(`fitting on all ${stacked.rows.features.rows} rows (too few to hold customers out)`);
    const epochs = Math.min(base.epochs, EPOCHS_WITHOUT_HOLDOUT);
    const model = await fitModel(stacked.rows, undefined, { ...base, epochs, onEpoch: options.onEpoch });
    return { ...result, model };
  }
  const fitOptions: FitOptions = {
    ...defaultFitOptions(split.train.features.rows),
    ...options.fit,
    onEpoch: options.onEpoch,
  };
  progress(
    `fitting on ${split.train.features.rows.toLocaleString('en')} rows of ${stacked.windows.length} window(s), ` +
      `early stopping on ${split.holdout.features.rows.toLocaleString('en')} held-out rows`,
  );
  const network = await fitModel(split.train, split.holdout, fitOptions);
  const bestEpoch = network.training?.bestEpoch ?? 0;
  if (!calibrate) return { ...result, model: network };

  progress('calibrating on the held-out customers');
  const calibration = fitValueCalibration(network, split.holdout);
  progress(
    `best epoch ${bestEpoch}, blend weight of ${BLEND_COLUMN} ${calibration.blendWeight}, ` +
      `${calibration.x.length} calibration knot(s) from ${split.holdout.features.rows} held-out rows`,
  );
  return {
    ...result,
    model: network.withCalibration(calibration),
    holdout: { rows: split.holdout.features.rows, blendWeight: calibration.blendWeight, bestEpoch },
  };
}

/**
 * Blend weight and money map on held-out rows: the weight of {@link BLEND_COLUMN} maximizing
 * Gini + Spearman (ties go to the smaller weight), then {@link fitCalibrationMap} on the blend.
 */
export function fitValueCalibration(network: TrainedModel, holdout: LabelledRows): ValueCalibration {
  const raw = network.predictNetwork(holdout.features).value;
  const c = holdout.features.names.indexOf(BLEND_COLUMN);
  const column =
    c >= 0
      ? Float32Array.from({ length: holdout.features.rows }, (_, r) => {
          return holdout.features.values[r * holdout.features.cols + c] as number;
        })
      : undefined;
  let best = { weight: 0, score: Number.NEGATIVE_INFINITY };
  for (const weight of column ? BLEND_WEIGHTS : [0]) {
    const blended = applyCalibration(
      { blendColumn: BLEND_COLUMN, blendWeight: weight, x: [1], y: [1] },
      raw,
      column,
    );
    const score = normalizedGini(holdout.label, blended) + spearman(holdout.label, blended);
    if (Number.isFinite(score) && score > best.score + 1e-4) best = { weight, score };
  }
  const blendWeight = best.weight;
  const blended = applyCalibration({ blendColumn: BLEND_COLUMN, blendWeight, x: [1], y: [1] }, raw, column);
  return {
    ...(blendWeight > 0 ? { blendColumn: BLEND_COLUMN } : {}),
    blendWeight,
    ...fitCalibrationMap(blended, holdout.label),
  };
}

/** Drop older windows with fewer than half the most recent window's customers (windows are stacked newest first). */
function keepPopulatedWindows(rows: TrainingRows): { rows: LabelledRows; windows: TrainingRows['windows'] } {
  const recent = rows.windows[0]?.rows ?? 0;
  let keep = 0;
  let kept = 0;
  for (const window of rows.windows) {
    if (window.rows < MIN_WINDOW_SHARE * recent) break;
    keep += window.rows;
    kept++;
  }
  const { features } = rows;
  return {
    rows: {
      features: {
        names: features.names,
        cols: features.cols,
        rows: keep,
        values: features.values.subarray(0, keep * features.cols),
        customers: features.customers.subarray(0, keep),
      },
      label: rows.label.subarray(0, keep),
    },
    windows: rows.windows.slice(0, kept),
  };
}

interface CustomerSplit {
  train: LabelledRows;
  holdout: LabelledRows;
}

/** A seeded share of customers, all of whose windows go to the holdout: no customer is on both sides. */
function splitByCustomer(rows: LabelledRows, seed: number): CustomerSplit {
  const { features } = rows;
  let maxCustomer = 0;
  for (const c of features.customers) maxCustomer = Math.max(maxCustomer, c);
  const random = seededRandom(seed ^ 0x5eed);
  const heldOut = new Uint8Array(maxCustomer + 1);
  for (let c = 0; c <= maxCustomer; c++) heldOut[c] = random() < HOLDOUT_SHARE ? 1 : 0;
  const trainRows: number[] = [];
  const holdoutRows: number[] = [];
  for (let r = 0; r < features.rows; r++)
    (heldOut[features.customers[r] as number] ? holdoutRows : trainRows).push(r);
  return {
    train: pickRows(rows, trainRows),
    holdout: pickRows(rows, holdoutRows),
  };
}

function pickRows(rows: LabelledRows, picks: readonly number[]): LabelledRows {
  const { features } = rows;
  const cols = features.cols;
  const values = new Float32Array(picks.length * cols);
  const customers = new Int32Array(picks.length);
  const label = new Float32Array(picks.length);
  picks.forEach((row, i) => {
    values.set(features.values.subarray(row * cols, (row + 1) * cols), i * cols);
    customers[i] = features.customers[row] as number;
    label[i] = rows.label[row] as number;
  });
  return { features: { names: features.names, cols, rows: picks.length, values, customers }, label };
}

function lastTime(table: TransactionTable): number {
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < table.length; i++) last = Math.max(last, table.time[i] as number);
  return last;
}
