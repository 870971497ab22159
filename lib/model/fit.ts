import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '../random';
import type { LabelledRows } from './feature-matrix';
import { buildMlpNetwork, mlpLabelScale, mseLoss } from './mlp';
import { initBackend } from './tf-backend';
import { applyTransforms, assertSameColumns, fitTransforms } from './transforms';
import {
  type Architecture,
  type EpochLog,
  GUARD_MULTIPLE,
  type ModelSpec,
  TrainedModel,
  type TrainingSummary,
} from './value-model';
import { buildZilnNetwork, zilnLoss } from './ziln';

export interface FitOptions {
  readonly architecture: Architecture;
  /** Seeds the initializers and the shuffling: the same seed and data give the same model. */
  readonly seed: number;
  /** Upper bound; early stopping usually ends sooner when validation rows are given. */
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Epochs without a better validation loss before stopping (the best epoch's weights are kept). */
  readonly patience: number;
  /** Hidden layer widths; default [64, 32]. */
  readonly hidden?: readonly number[];
  /** L2 penalty on kernels; default 0. */
  readonly l2?: number;
  /** Ensemble size: towers with different initial weights, trained together, predictions averaged; default 1. */
  readonly members?: number;
  /** Called after every epoch (progress display, logs). */
  readonly onEpoch?: (log: EpochLog) => void;
}

/** Rows that cannot be trained on: empty, mismatched lengths, or labels that are not spend amounts. */
export class InvalidTrainingDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTrainingDataError';
  }
}

/** The loss became NaN/Infinity and no earlier epoch was good: nothing usable to keep. */
export class TrainingDivergedError extends Error {
  constructor(learningRate: number) {
    super(`training diverged (loss is not finite) at learning rate ${learningRate}; try a lower one`);
    this.name = 'TrainingDivergedError';
  }
}

export const DEFAULT_HIDDEN: readonly number[] = [64, 32];

/**
 * Defaults for a training set of `rows` rows, measured out of time on seeded synthetic shops
 * (`npx tsx bench/model.ts compare [customers] [short]`, 3 shops each):
 * - learning rate 1e-3 vs 3e-3 vs 1e-2, widths 32-16…128-64, L2 1e-4: Gini within ±0.003; 1e-3 gave
 *   the best decile MAPE (calibration) in every run, at about twice the epochs.
 * - a single network's Gini moves ±0.005 with the seed on ~3k rows; 5 members average that away
 *   (+0.008 Gini, +0.007 Spearman over the mean single seed at 3k rows, +0.001 at 11k rows) for 5× the
 *   time, so ensembles are used on small training sets only (under 10k rows: the gain at 11k no longer pays
 *   for 5× the time inside the backtest's 1–2 minutes on 2 cores).
 * Large data gets bigger batches to stay inside Lambda's 15 minutes; small data smaller ones, so an epoch is at
 * least ~{@link MIN_STEPS_PER_EPOCH} optimizer steps: with 256 rows a batch, a young shop's 426 training rows
 * made 2 steps an epoch and early stopping kept a network 4 steps from its random start (Online Retail
 * 2011-03-09 H91, seed 2: predictions 86× the spend before calibration). Batches of 32 there let the
 * network learn what it can and the holdout judge it (`NETWORK_GINI_TOLERANCE` in fit-value-model.ts).
 */
export function defaultFitOptions(rows: number): FitOptions {
  return {
    architecture: 'ziln',
    seed: 1,
    epochs: 100,
    batchSize: rows > 200_000 ? 1024 : Math.max(32, Math.min(256, Math.floor(rows / MIN_STEPS_PER_EPOCH))),
    learningRate: 0.001,
    patience: 5,
    members: rows < 10_000 ? 5 : 1,
  };
}

/** Small training sets get batches small enough for about this many optimizer steps an epoch. */
const MIN_STEPS_PER_EPOCH = 20;

const EVAL_CHUNK = 16_384;
/** A validation loss must improve by this much (relative) to count as better. */
const MIN_RELATIVE_IMPROVEMENT = 1e-4;

/**
 * Fit a model on `train`, early-stopping on `validation` (an out-of-time window: its loss picks the
 * epoch whose weights are kept). Transforms are fitted on `train` only. Without validation rows every
 * epoch runs and the last weights are kept. Deterministic for a given seed and backend.
 * @throws {@link InvalidTrainingDataError}, NonFiniteFeatureError, FeatureSchemaMismatchError
 */
export async function fitModel(
  train: LabelledRows,
  validation: LabelledRows | undefined,
  options: FitOptions,
): Promise<TrainedModel> {
  const started = performance.now();
  const backend = await initBackend();
  assertTrainable(train, 'training');
  if (validation) {
    assertTrainable(validation, 'validation');
    assertSameColumns(train.features.names, validation.features.names);
  }
  const { architecture, seed, batchSize } = options;
  const hidden = options.hidden ?? DEFAULT_HIDDEN;
  const l2 = options.l2 ?? 0;
  const members = options.members ?? 1;
  const transforms = fitTransforms(train.features);
  const x = applyTransforms(transforms, train.features);
  const xValidation = validation ? applyTransforms(transforms, validation.features) : undefined;
  const cols = train.features.cols;
  let maxLabel = 0;
  for (const y of train.label) maxLabel = Math.max(maxLabel, y);
  const labelScale = architecture === 'mlp' ? mlpLabelScale(train.label) : 1;
  const spec: ModelSpec = {
    architecture,
    featureNames: [...train.features.names],
    transforms,
    maxValue: GUARD_MULTIPLE * Math.max(1, maxLabel),
    labelScale,
    hidden: [...hidden],
    members,
  };
  const shape = { inputs: cols, hidden, members, seed, l2 };
  const network =
    architecture === 'ziln'
      ? buildZilnNetwork(shape, train.label)
      : buildMlpNetwork(shape, train.label, labelScale);
  const dataLoss = (labels: tf.Tensor, output: tf.Tensor): tf.Scalar =>
    architecture === 'ziln' ? zilnLoss(labels, output) : mseLoss(labels, output, labelScale);
  const kernels = network.trainableWeights.filter((w) => w.name.includes('kernel')).map((w) => w.read());
  // LayerVariable.read() hands out the tf.Variable itself; the optimizer needs it typed as such.
  const variables = network.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(options.learningRate);

  const random = seededRandom(seed);
  const order = new Int32Array(train.features.rows).map((_, i) => i);
  const xBatch = new Float32Array(batchSize * cols);
  const yBatch = new Float32Array(batchSize);
  const epochs: EpochLog[] = [];
  let best: { loss: number; epoch: number; weights: tf.Tensor[] } | undefined;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const epochStarted = performance.now();
      shuffleInPlace(order, random);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const size = Math.min(batchSize, order.length - start);
        for (let b = 0; b < size; b++) {
          const row = order[start + b] as number;
          xBatch.set(x.subarray(row * cols, (row + 1) * cols), b * cols);
          yBatch[b] = train.label[row] as number;
        }
        const cost = tf.tidy(() => {
          const xs = tf.tensor2d(xBatch.subarray(0, size * cols), [size, cols]);
          const ys = tf.tensor1d(yBatch.subarray(0, size));
          return optimizer.minimize(
            () => {
              const loss = dataLoss(ys, network.apply(xs, { training: true }) as tf.Tensor);
              return l2 > 0
                ? tf.add(loss, tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), l2))
                : loss;
            },
            true,
            variables,
          ) as tf.Scalar;
        });
        lossSum += (cost.dataSync()[0] as number) * size;
        cost.dispose();
      }
      const validationLoss =
        validation && xValidation
          ? evaluateLoss(network, xValidation, validation.label, cols, dataLoss)
          : undefined;
      const log: EpochLog = {
        epoch,
        trainLoss: lossSum / order.length,
        ...(validationLoss === undefined ? {} : { validationLoss }),
        seconds: (performance.now() - epochStarted) / 1000,
      };
      epochs.push(log);
      options.onEpoch?.(log);
      if (validationLoss !== undefined) {
        const better =
          Number.isFinite(validationLoss) &&
          (best === undefined || validationLoss < best.loss - Math.abs(best.loss) * MIN_RELATIVE_IMPROVEMENT);
        if (better) {
          tf.dispose(best?.weights);
          best = { loss: validationLoss, epoch, weights: network.getWeights().map((w) => w.clone()) };
        } else if (epoch - (best?.epoch ?? 0) >= options.patience) {
          break;
        }
      }
      // Let progress output and timers run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (best) network.setWeights(best.weights);
    else if (!Number.isFinite(epochs[epochs.length - 1]?.trainLoss ?? Number.NaN)) {
      throw new TrainingDivergedError(options.learningRate);
    }
  } catch (e: unknown) {
    network.dispose();
    throw e;
  } finally {
    tf.dispose(best?.weights);
    optimizer.dispose();
  }
  const summary: TrainingSummary = {
    backend,
    seed,
    epochs,
    bestEpoch: best?.epoch ?? epochs.length,
    trainRows: train.features.rows,
    validationRows: validation?.features.rows ?? 0,
    seconds: (performance.now() - started) / 1000,
  };
  return new TrainedModel(network, spec, summary);
}

function evaluateLoss(
  network: tfl.LayersModel,
  x: Float32Array,
  label: Float32Array,
  cols: number,
  dataLoss: (labels: tf.Tensor, output: tf.Tensor) => tf.Scalar,
): number {
  const rows = label.length;
  let sum = 0;
  for (let start = 0; start < rows; start += EVAL_CHUNK) {
    const end = Math.min(rows, start + EVAL_CHUNK);
    const loss = tf.tidy(() =>
      dataLoss(
        tf.tensor1d(label.subarray(start, end)),
        network.apply(tf.tensor2d(x.subarray(start * cols, end * cols), [end - start, cols])) as tf.Tensor,
      ),
    );
    sum += (loss.dataSync()[0] as number) * (end - start);
    loss.dispose();
  }
  return sum / Math.max(1, rows);
}

function assertTrainable(rows: LabelledRows, what: string): void {
  const { features, label } = rows;
  if (features.rows === 0) throw new InvalidTrainingDataError(`no ${what} rows`);
  if (features.cols === 0) throw new InvalidTrainingDataError(`${what} rows have no feature columns`);
  if (label.length !== features.rows) {
    throw new InvalidTrainingDataError(`${label.length} ${what} labels for ${features.rows} rows`);
  }
  if (features.values.length !== features.rows * features.cols || features.names.length !== features.cols) {
    throw new InvalidTrainingDataError(`${what} feature matrix shape does not match its names/values`);
  }
  const bad = label.findIndex((y) => !(y >= 0 && Number.isFinite(y)));
  if (bad >= 0)
    throw new InvalidTrainingDataError(`${what} label ${label[bad]} in row ${bad}: labels are spend ≥ 0`);
}

function shuffleInPlace(values: Int32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i] as number;
    values[i] = values[j] as number;
    values[j] = tmp;
  }
}
