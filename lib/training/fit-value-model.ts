import {
  type CustomerFeatures,
  computeFeatures,
  DAY_MS,
  type FeatureSpec,
} from '../features/compute-features';
import { buildTrainingRows } from '../features/training-rows';
import type { TransactionTable } from '../ingest/transaction-table';
import { defaultFitOptions, type FitOptions, fitModel } from '../model/fit';
import type { EpochLog, TrainedModel } from '../model/value-model';

export interface ValueModelOptions {
  horizonDays: number;
  /** Overrides of {@link defaultFitOptions} (architecture, seed, epochs, …). */
  fit?: Partial<FitOptions>;
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
  /** As-of dates (epoch ms) of the training windows and of the early-stopping window. */
  trainWindows: number[];
  validationWindow: number;
}

/**
 * The one way valuecast fits its model on a history that ends at `asOf` (exclusive), used by training and
 * by the backtest alike. Out of time throughout: the network learns on windows whose labels end one horizon
 * before `asOf` (features at asOf−2H, …), early-stops on the most recent labelled window (features at
 * asOf−H, labels up to asOf), and the scoring features are those at `asOf`. No label ever reaches past `asOf`.
 */
export async function fitValueModel(
  table: TransactionTable,
  asOf: number,
  options: ValueModelOptions,
): Promise<ValueModelFit> {
  const { horizonDays } = options;
  const progress = options.onProgress ?? (() => {});
  progress('features at the scoring date');
  const scoring = computeFeatures(table, asOf, { horizonDays });
  const categoryLevels = scoring.spec.categoryLevels;
  progress('early-stopping rows (one horizon back)');
  const validation = buildTrainingRows(table, { cutoff: asOf, horizonDays, categoryLevels });
  progress('training rows (two horizons back)');
  const train = buildTrainingRows(table, {
    cutoff: asOf - horizonDays * DAY_MS,
    horizonDays,
    categoryLevels,
  });
  const fitOptions: FitOptions = {
    ...defaultFitOptions(train.features.rows),
    ...options.fit,
    onEpoch: options.onEpoch,
  };
  progress(`fitting on ${train.features.rows.toLocaleString('en')} rows`);
  const model = await fitModel(train, validation, fitOptions);
  return {
    model,
    featureSpec: scoring.spec,
    scoring,
    asOf,
    horizonDays,
    trainWindows: train.windows.map((w) => w.asOf),
    validationWindow: asOf - horizonDays * DAY_MS,
  };
}
