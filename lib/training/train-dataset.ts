import { BASELINE_SYSTEMS, type BacktestSystem, runBacktest } from '../evaluate/backtest';
import { type FeatureImportance, permutationImportance } from '../evaluate/feature-importance';
import { evaluateMetrics, type Metrics } from '../evaluate/metrics';
import { FeatureEngine } from '../features/feature-engine';
import { summarizeSegments } from '../features/segments';
import type { IngestReport } from '../ingest';
import type { TransactionTable } from '../ingest/transaction-table';
import { visibleTable } from '../ingest/visible-table';
import type { FitOptions } from '../model/fit';
import { loadModel } from '../model/model-io';
import type { EpochLog } from '../model/value-model';
import type { ChampionPointer } from '../registry/champion';
import { summarizeIngestReports } from '../registry/data-quality';
import {
  type ChampionEvaluation,
  isCustomerTableMeta,
  readMeta,
  type TransactionModelMeta,
} from '../registry/model-meta';
import { reportSummaries } from '../report/report-data';
import type { BlobStore } from '../store/blob-store';
import { versionPrefix } from '../store/bucket-layout';
import { DAY_MS } from '../time';
import { fitValueModel, type ValueModelFit } from './fit-value-model';
import {
  phaseTimer,
  publishTrainedVersion,
  recordedChampion,
  roundSeconds,
  type TrainedVersion,
} from './model-version';
import { scoreFeatures } from './score-customers';
import { type ValidationOutlook, validationOutlook } from './validation-outlook';

export const DEFAULT_HORIZON_DAYS = 90;
/** The system whose validation metrics decide promotion: the production fit procedure itself. */
export const MODEL_SYSTEM = 'model';
/** The seed's MSE MLP (64-32-1), a baseline in every report. */
export const SEED_MLP_SYSTEM = 'seed_mlp';

/** The data cannot support a training at this horizon (too short, or nothing before the as-of). */
export class InsufficientHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientHistoryError';
  }
}

export type TrainingPhase = 'evaluate' | 'fit' | 'score' | 'write' | 'promote';

/** One progress report: the phase, a human message, and the epoch while a network trains. */
export interface TrainingProgress {
  phase: TrainingPhase;
  message: string;
  rows?: number;
  epoch?: EpochLog;
}

export interface TrainDatasetOptions {
  /** Where `models/<dataset>/…` lives: the bucket (Lambda) or a model directory (CLI). */
  store: BlobStore;
  dataset: string;
  table: TransactionTable;
  /** Identifies the input data (see data-fingerprint.ts); the schedule skips data already trained on. */
  dataFingerprint: string;
  /** Default {@link DEFAULT_HORIZON_DAYS}. */
  horizonDays?: number;
  /** Epoch ms, exclusive; default the end of the last transaction's UTC day. */
  asOf?: number;
  /** The ingest reports behind `table`, summarized into meta.json. */
  ingestReports?: readonly IngestReport[];
  /** Overrides of the fit options of every network fitted here (tests use a few epochs). */
  fit?: Partial<FitOptions>;
  /** Seconds spent loading the data, recorded with the other phases. */
  loadSeconds?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

/** What trainDataset calls that a test may replace (e.g. a deliberately worse fit). */
export interface TrainDatasetDependencies {
  fitValueModel: typeof fitValueModel;
  now: () => Date;
}

/** The published version; `metrics` are the model's on the validation window (the ones promotion compared). */
export type TrainDatasetResult = TrainedVersion<TransactionModelMeta>;

const defaultDependencies: TrainDatasetDependencies = { fitValueModel, now: () => new Date() };

/**
 * Train a dataset end to end, the same way in the Lambda and the CLI:
 * 1. out-of-time evaluation on the validation window [asOf − H, asOf): the model's fit procedure, the seed's
 *    MSE MLP and the baselines learn on data before the window; the current champion is scored on the same
 *    window (or, when its features no longer match, its recorded metrics are used and the decision says so);
 * 2. the production fit on all data before `asOf`, saved with its meta.json, report.html and the batch
 *    predictions of every customer (`predictions.csv`) under `models/<dataset>/<version>/`;
 * 3. `champion.json` moves to the new version only if {@link decidePromotion} says so (race-safe); a version
 *    that is not promoted stays, with the reason in its meta.json.
 * With less than two horizons of history before `asOf` there is no window to judge on out of time: step 1 is
 * skipped, meta.json says so (`notEvaluated`), and the version is promoted only if no evaluated champion
 * exists (lib/training/model-version.ts).
 * @throws InsufficientHistoryError when the history is shorter than one horizon before `asOf`
 */
export async function trainDataset(
  options: TrainDatasetOptions,
  dependencies: Partial<TrainDatasetDependencies> = {},
): Promise<TrainDatasetResult> {
  const deps = { ...defaultDependencies, ...dependencies };
  const { store, dataset, table } = options;
  const horizonDays = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const report = options.onProgress ?? (() => {});
  const asOf = options.asOf ?? defaultAsOf(table);
  const notEvaluated = historyShortfall(table, asOf, horizonDays);
  const history = lastTime(table) < asOf ? table : visibleTable(table, asOf);
  // The batch features of the history: the evaluation, the champion and the production fit share them.
  using features = await FeatureEngine.open(history);
  const validationStart = asOf - horizonDays * DAY_MS;
  const { durations, timed } = phaseTimer<TrainingPhase>(options.loadSeconds);
  const fitProgress = (phase: TrainingPhase, what: string) => ({
    onEpoch: (epoch: EpochLog) => report({ phase, message: `${what}: epoch ${epoch.epoch}`, epoch }),
    onProgress: (message: string) => report({ phase, message: `${what}: ${message}` }),
  });

  // 1. Out-of-time evaluation on the validation window. The model's evaluation fit is kept until the
  // truth is known, for its permutation importance.
  const kept: { fit?: ValueModelFit; customers?: Int32Array } = {};
  const fitSystem = (name: string, fit: Partial<FitOptions> | undefined, keep = false): BacktestSystem => ({
    name,
    predict: async ({ visible, asOf: at, scoring, features: visibleFeatures }) => {
      const result = await deps.fitValueModel(visible, at, {
        horizonDays,
        features: visibleFeatures,
        fit: { ...fit, ...options.fit },
        ...fitProgress('evaluate', name),
      });
      if (keep) Object.assign(kept, { fit: result, customers: scoring.customers });
      try {
        const { value } = result.model.predict(result.scoring);
        return alignByCustomer(result.scoring.customers, value, scoring.customers);
      } finally {
        if (!keep) result.model.dispose();
      }
    },
  });
  let featureImportance: FeatureImportance | undefined;
  let validation: ValidationOutlook = {};
  if (notEvaluated) report({ phase: 'evaluate', message: `not evaluated out of time: ${notEvaluated}` });
  const backtest = notEvaluated
    ? undefined
    : await timed('evaluate', async () => {
        try {
          const result = await runBacktest(history, {
            cutoff: isoDay(validationStart - DAY_MS),
            horizonDays,
            features,
            systems: [
              fitSystem(MODEL_SYSTEM, undefined, true),
              fitSystem(SEED_MLP_SYSTEM, { architecture: 'mlp', members: 1 }),
              ...BASELINE_SYSTEMS,
            ],
            onProgress: (message) => report({ phase: 'evaluate', message }),
          });
          if (kept.fit && kept.customers) {
            report({ phase: 'evaluate', message: 'feature importance on the validation window' });
            const { model, scoring } = kept.fit;
            const actual = alignByCustomer(kept.customers, result.actual, scoring.customers);
            featureImportance = permutationImportance(scoring, actual, (m) => model.predict(m).value);
            validation = validationOutlook(kept.fit, history, actual);
          }
          return result;
        } finally {
          kept.fit?.model.dispose();
        }
      });
  const modelMetrics = backtest?.systems.find((s) => s.name === MODEL_SYSTEM)?.metrics;
  const championEvaluations = new Map<string, Promise<ChampionEvaluation>>();
  const evaluateChampionOnce = (pointer: ChampionPointer) => {
    let evaluation = championEvaluations.get(pointer.version);
    if (!evaluation) {
      report({ phase: 'evaluate', message: `champion ${pointer.version} on the validation window` });
      evaluation = evaluateChampion(store, dataset, pointer, {
        features,
        asOf: validationStart,
        horizonDays,
        actual: backtest?.actual ?? new Float32Array(0),
        customerIds: backtest?.customerIds ?? [],
      });
      championEvaluations.set(pointer.version, evaluation);
    }
    return evaluation;
  };

  // 2. The production fit, its batch predictions and artifacts.
  const production = await timed('fit', () =>
    deps.fitValueModel(history, asOf, {
      horizonDays,
      features,
      fit: options.fit,
      ...fitProgress('fit', 'production fit'),
    }),
  );
  // 3. Published: promoted if it beats whichever champion holds the pointer at the conditional write.
  return publishTrainedVersion<TransactionModelMeta>(store, production.model, {
    dataset,
    customersToScore: production.scoring.rows,
    score: () => scoreFeatures(production.model, production.featureSpec, production.scoring, history, asOf),
    meta: (scored) => ({
      inputKind: 'transactions',
      horizonDays,
      asOf: new Date(asOf).toISOString(),
      featureSpec: production.featureSpec,
      trainWindows: production.trainWindows.map((t) => new Date(t).toISOString()),
      networkSample: production.sample,
      forecast: production.forecast,
      segments: scored.segment && summarizeSegments(scored.segment, scored.value, scored.clv),
      earlyStoppingWindow: new Date(production.validationWindow).toISOString(),
      rows: {
        transactions: history.length,
        customers: history.customerIds.length,
        scored: scored.value.length,
      },
      ...(backtest
        ? {
            evaluation: {
              window: { from: new Date(validationStart).toISOString(), to: new Date(asOf).toISOString() },
              customers: backtest.customers,
              returningShare: backtest.returningShare,
              ...validation,
              systems: Object.fromEntries(
                backtest.systems.map((s) => [s.name, { ...s.metrics, seconds: roundSeconds(s.seconds) }]),
              ),
            },
          }
        : { notEvaluated: { reason: notEvaluated as string } }),
      dataFingerprint: options.dataFingerprint,
      durations,
      dataQuality: options.ingestReports ? summarizeIngestReports(options.ingestReports) : undefined,
      featureImportance,
    }),
    metrics: modelMetrics,
    judge: evaluateChampionOnce,
    summaries: (scored) =>
      reportSummaries(backtest && { actual: backtest.actual, systems: backtest.systems }, scored),
    now: deps.now,
    timed,
    onProgress: report,
  });
}

/** The exclusive as-of of "all the data": the end of the UTC day of the last transaction. */
export function defaultAsOf(table: TransactionTable): number {
  if (table.length === 0) throw new InsufficientHistoryError('there are no transactions to train on');
  return Math.floor(lastTime(table) / DAY_MS) * DAY_MS + DAY_MS;
}

/**
 * The champion's metrics to compare with: re-scored on the validation window when it was trained on data
 * before the window (both then out of time), else its recorded metrics. A champion trained on data that
 * reaches into the window was fitted on fresher rows and early-stopped on the window's own labels: scoring
 * it there would favour it over every challenger, so unchanged or slowly growing data would never promote.
 * A champion trained on a customer table cannot read transactions: its recorded holdout metrics are used.
 */
async function evaluateChampion(
  store: BlobStore,
  dataset: string,
  pointer: ChampionPointer,
  window: {
    features: FeatureEngine;
    asOf: number;
    horizonDays: number;
    actual: Float32Array;
    customerIds: readonly string[];
  },
): Promise<ChampionEvaluation> {
  const recorded = (note: string, inSampleMetrics?: Metrics) =>
    recordedChampion(pointer, note, inSampleMetrics);
  const unreadable = (e: unknown) =>
    recorded(`it could not be loaded (${e instanceof Error ? e.message : String(e)})`);
  let meta: Awaited<ReturnType<typeof readMeta>>;
  try {
    meta = await readMeta(store, dataset, pointer.version);
  } catch (e: unknown) {
    return unreadable(e);
  }
  if (!meta) return recorded('it has no meta.json');
  if (isCustomerTableMeta(meta))
    return recorded(
      `it was trained on a customer table (label ${meta.label.column}), not on transactions: its metrics are from a random holdout of that table`,
    );
  if (meta.horizonDays !== window.horizonDays)
    return recorded(`it predicts ${meta.horizonDays} days, this training ${window.horizonDays}`);
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(store, versionPrefix(dataset, pointer.version));
  } catch (e: unknown) {
    return unreadable(e);
  }
  try {
    // As in training: the champion's categorical levels, BG/NBD refitted on the history at the window's start.
    const features = await window.features.features(window.asOf, {
      horizonDays: window.horizonDays,
      categoryLevels: meta.featureSpec.categoryLevels,
    });
    if (!sameNames(features.names, model.featureNames))
      return recorded('its feature columns differ from the ones built today');
    const { value } = model.predict(features);
    const rowOf = new Map(window.customerIds.map((id, r) => [id, r]));
    const predictions = new Float32Array(window.customerIds.length);
    features.customers.forEach((c, r) => {
      const row = rowOf.get(window.features.table.customerIds[c] as string);
      if (row !== undefined) predictions[row] = value[r] as number;
    });
    const metrics = evaluateMetrics(window.actual, predictions);
    if (Date.parse(meta.asOf) > window.asOf)
      return recorded(
        `it was trained on data up to ${meta.asOf.slice(0, 10)}, inside this validation window, so its score here would be in-sample`,
        metrics,
      );
    return { version: pointer.version, basis: 'evaluated', metrics };
  } finally {
    model.dispose();
  }
}

/** Predictions made for `from` customers (indices), re-ordered to `to`'s customers; absent ones get 0. */
function alignByCustomer(from: Int32Array, values: Float32Array, to: Int32Array): Float32Array {
  const predictionOf = new Map<number, number>();
  from.forEach((c, r) => {
    predictionOf.set(c, values[r] as number);
  });
  return Float32Array.from(to, (c) => predictionOf.get(c) ?? 0);
}

/**
 * Undefined when the history allows an out-of-time evaluation (transactions before asOf − 2H: the evaluation
 * fit at asOf − H learns on features at asOf − 2H), else why it does not.
 * @throws InsufficientHistoryError for a horizon that is not a positive whole number of days, or a history
 * with nothing before asOf − H (the production fit's labelled window would be empty)
 */
function historyShortfall(table: TransactionTable, asOf: number, horizonDays: number): string | undefined {
  if (!(Number.isInteger(horizonDays) && horizonDays > 0))
    throw new InsufficientHistoryError(
      `the horizon must be a positive whole number of days, got ${horizonDays}`,
    );
  const first = table.length === 0 ? Number.POSITIVE_INFINITY : firstTime(table);
  const span = Number.isFinite(first) ? Math.floor((asOf - first) / DAY_MS) : 0;
  const oneHorizon = asOf - horizonDays * DAY_MS;
  if (!(first < oneHorizon))
    throw new InsufficientHistoryError(
      `training with a ${horizonDays}-day horizon needs transactions from before ${isoDay(oneHorizon)} (one horizon before the as-of date, to learn from); the data covers ${span} days: use a shorter --horizon`,
    );
  const twoHorizons = asOf - 2 * horizonDays * DAY_MS;
  if (first < twoHorizons) return undefined;
  return `the history covers ${span} days, less than two ${horizonDays}-day horizons before the as-of date (an out-of-time evaluation needs transactions from before ${isoDay(twoHorizons)})`;
}

function firstTime(table: TransactionTable): number {
  let min = Number.POSITIVE_INFINITY;
  for (const t of table.time) if (t < min) min = t;
  return min;
}

function lastTime(table: TransactionTable): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const t of table.time) if (t > max) max = t;
  return max;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
