import {
  type FeatureGroup,
  type FeatureImportance,
  permutationImportance,
} from '../evaluate/feature-importance';
import { evaluateMetrics, type Metrics } from '../evaluate/metrics';
import {
  CustomerFeatureError,
  type CustomerTableEncoding,
  customerFeatureNames,
  encodeCustomerTable,
  encodeTableRows,
  fitCustomerTableEncoding,
  latestDateAsOf,
} from '../features/customer-table-features';
import type { IngestReport } from '../ingest';
import type { CustomerRows, CustomerTable } from '../ingest/load-customer-table';
import type { FeatureMatrix } from '../model/feature-matrix';
import { defaultFitOptions, type FitOptions, fitModel } from '../model/fit';
import { fitLinearRegression, predictLinear } from '../model/linear-regression';
import { spendIntervals } from '../model/spend-distribution';
import type { EpochLog, TrainedModel } from '../model/value-model';
import { seededRandom } from '../random';
import type { ChampionPointer } from '../registry/champion';
import { summarizeIngestReports } from '../registry/data-quality';
import {
  type ChampionEvaluation,
  type CustomerTableModelMeta,
  isCustomerTableMeta,
  readMeta,
} from '../registry/model-meta';
import type { ScoredCustomers } from '../registry/predictions-csv';
import { reportSummaries } from '../report/report-data';
import type { BlobStore } from '../store/blob-store';
import { fitValueCalibration, HOLDOUT_SHARE } from './fit-value-model';
import {
  phaseTimer,
  publishTrainedVersion,
  recordedChampion,
  roundSeconds,
  type TrainedVersion,
} from './model-version';
import { MODEL_SYSTEM, SEED_MLP_SYSTEM, type TrainingPhase, type TrainingProgress } from './train-dataset';

/** The seed's least squares, here on every encoded column of the table. */
export const LINEAR_SYSTEM = 'linear';
/** Fewer labelled rows than this cannot give a holdout worth evaluating on. */
export const MIN_CUSTOMER_TABLE_ROWS = 50;
/** Below this many training rows nothing is held out for early stopping: a fixed number of epochs. */
const MIN_ROWS_FOR_EARLY_STOPPING = 200;
const EPOCHS_WITHOUT_EARLY_STOPPING = 20;
const EVALUATION_NOTE =
  'a customer table has no time axis: every system learns on a seeded random share of the rows and is judged on the other rows (the holdout); the production model then learns on every row';

/** The table cannot support a training (too few labelled rows). */
export class InsufficientRowsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientRowsError';
  }
}

export interface TrainCustomerTableOptions {
  store: BlobStore;
  dataset: string;
  table: CustomerTable;
  dataFingerprint: string;
  /** Epoch ms, exclusive, for date columns; default the end of the UTC day of the table's latest date. */
  asOf?: number;
  ingestReports?: readonly IngestReport[];
  /** Overrides of the fit options of every network fitted here (tests use a few epochs). */
  fit?: Partial<FitOptions>;
  loadSeconds?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

/** The published version; `metrics` are the model's on the holdout (the ones promotion compared). */
export type TrainCustomerTableResult = TrainedVersion<CustomerTableModelMeta>;

/** What trainCustomerTable calls that a test may replace. */
export interface TrainCustomerTableDependencies {
  fitCustomerTableModel: typeof fitCustomerTableModel;
  now: () => Date;
}

/** A model fitted on customer-table rows, with the encoding of its inputs. */
export interface CustomerTableFit {
  model: TrainedModel;
  encoding: CustomerTableEncoding;
}

/**
 * Fit the ZILN model (or the seed's MLP) on rows `rows` of a labelled table, the one way training and
 * evaluation do it: the encoding is fitted on these rows; with enough rows a seeded share of them is held
 * out to early-stop on and, for ZILN, to fit the money calibration on (as for transactions).
 */
export async function fitCustomerTableModel(
  table: CustomerTable,
  rows: Int32Array,
  asOf: number,
  options: { fit?: Partial<FitOptions>; onEpoch?: (log: EpochLog) => void },
): Promise<CustomerTableFit> {
  const encoding = fitCustomerTableEncoding(table, rows, asOf);
  const base: FitOptions = { ...defaultFitOptions(rows.length), ...options.fit, onEpoch: options.onEpoch };
  if (rows.length < MIN_ROWS_FOR_EARLY_STOPPING) {
    const all = encodeCustomerTable(encoding, table, rows);
    const epochs = Math.min(base.epochs, EPOCHS_WITHOUT_EARLY_STOPPING);
    return { model: await fitModel(all, undefined, { ...base, epochs }), encoding };
  }
  const split = splitRows(rows, base.seed);
  const holdout = encodeCustomerTable(encoding, table, split.holdout);
  const network = await fitModel(encodeCustomerTable(encoding, table, split.train), holdout, base);
  if (base.architecture !== 'ziln') return { model: network, encoding };
  return { model: network.withCalibration(fitValueCalibration(network, holdout)), encoding };
}

/**
 * Predict every row of a customer table with a model and the encoding it was trained with (batch
 * scoring). The table must have every column the model reads; its label column, if it has one, is not
 * read. Dates count as of `asOf`, by default the end of the table's latest date, else the model's as-of.
 * @throws CustomerFeatureError naming the column (and the customer, for a bad value)
 */
export function scoreCustomerTable(
  model: TrainedModel,
  encoding: CustomerTableEncoding,
  table: CustomerRows,
  asOf?: number,
): ScoredCustomers & { asOf: number } {
  const have = new Set(table.columns.map((c) => c.name));
  const missing = encoding.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
  if (missing.length > 0)
    throw new CustomerFeatureError(
      'missing_column',
      missing[0],
      `the table lacks column(s) the model reads: ${missing.join(', ')}`,
    );
  const at = asOf ?? latestDateAsOf(table) ?? Date.parse(encoding.asOf);
  const all = Int32Array.from(table.customerIds, (_, r) => r);
  const features = encodeTableRows(encoding, table, all, { asOf: at });
  const prediction = model.predict(features);
  const { value, pReturn } = prediction;
  const mixture = model.mixtureOf(prediction);
  const interval = mixture && spendIntervals(mixture);
  return {
    customerIds: table.customerIds,
    value,
    pReturn,
    ...(interval && { p10: interval.low, p90: interval.high }),
    asOf: at,
  };
}

const defaultDependencies: TrainCustomerTableDependencies = { fitCustomerTableModel, now: () => new Date() };

/**
 * Train on a labelled customer table end to end, the same way in the Lambda and the CLI:
 * 1. evaluation on a seeded random holdout ({@link HOLDOUT_SHARE} of the rows; a customer table has no
 *    time axis): the model, the seed's MSE MLP 64-32-1 and the seed's linear regression learn on the
 *    other rows; BG/NBD and "the last window repeats" need transactions and do not apply;
 * 2. the production fit on every row, saved with meta.json (`inputKind: 'customer-table'`, the encoding)
 *    and predictions.csv of every row under `models/<dataset>/<version>/`;
 * 3. `champion.json` moves only if {@link decidePromotion} says so against the champion's recorded
 *    holdout metrics (re-scoring it here would be in-sample: it learnt on these rows).
 * @throws {@link InsufficientRowsError} with fewer than {@link MIN_CUSTOMER_TABLE_ROWS} rows
 */
export async function trainCustomerTable(
  options: TrainCustomerTableOptions,
  dependencies: Partial<TrainCustomerTableDependencies> = {},
): Promise<TrainCustomerTableResult> {
  const deps = { ...defaultDependencies, ...dependencies };
  const { store, dataset, table } = options;
  const report = options.onProgress ?? (() => {});
  const customers = table.customerIds.length;
  if (customers < MIN_CUSTOMER_TABLE_ROWS)
    throw new InsufficientRowsError(
      `a customer table needs at least ${MIN_CUSTOMER_TABLE_ROWS} labelled rows to train and evaluate on, got ${customers}`,
    );
  // Without a date column the as-of only labels the model; it is fixed so trainings are reproducible.
  const asOf = options.asOf ?? latestDateAsOf(table) ?? 0;
  const seed = options.fit?.seed ?? defaultFitOptions(customers).seed;
  const { durations, timed } = phaseTimer<TrainingPhase>(options.loadSeconds);
  const onEpoch = (phase: TrainingPhase, what: string) => (epoch: EpochLog) =>
    report({ phase, message: `${what}: epoch ${epoch.epoch}`, epoch });

  // 1. Evaluation on a seeded random holdout.
  const all = Int32Array.from(table.customerIds, (_, r) => r);
  const split = splitRows(all, seed ^ 0xc0ffee);
  const actual = Float32Array.from(split.holdout, (r) => Math.max(0, table.label[r] as number));
  // Every system's holdout predictions, in the order of meta.json's systems (the report charts them).
  const evaluated: { name: string; predictions: Float32Array; seconds: number }[] = [];
  let featureImportance: FeatureImportance | undefined;
  await timed('evaluate', async () => {
    const evaluateFit = async (name: string, fit: Partial<FitOptions>) => {
      report({ phase: 'evaluate', message: `${name} on ${split.train.length} rows` });
      const started = performance.now();
      const result = await deps.fitCustomerTableModel(table, split.train, asOf, {
        fit: { ...fit, ...options.fit },
        onEpoch: onEpoch('evaluate', name),
      });
      try {
        const holdout = encodeTableRows(result.encoding, table, split.holdout);
        const predict = (features: FeatureMatrix) => result.model.predict(features).value;
        evaluated.push({ name, predictions: predict(holdout), seconds: secondsSince(started) });
        if (name === MODEL_SYSTEM) {
          report({ phase: 'evaluate', message: 'feature importance on the holdout' });
          featureImportance = permutationImportance(holdout, actual, predict, {
            groups: columnGroups(result.encoding),
          });
        }
        return result.encoding;
      } finally {
        result.model.dispose();
      }
    };
    const encoding = await evaluateFit(MODEL_SYSTEM, {});
    await evaluateFit(SEED_MLP_SYSTEM, { architecture: 'mlp', members: 1 });
    const started = performance.now();
    const train = encodeCustomerTable(encoding, table, split.train);
    const linear = fitLinearRegression(train.features, train.label, train.features.names);
    const predictions = predictLinear(linear, encodeTableRows(encoding, table, split.holdout));
    evaluated.push({ name: LINEAR_SYSTEM, predictions, seconds: secondsSince(started) });
  });
  const systems: CustomerTableModelMeta['evaluation']['systems'] = Object.fromEntries(
    evaluated.map((s) => [s.name, { ...evaluateMetrics(actual, s.predictions), seconds: s.seconds }]),
  );
  const modelMetrics = systems[MODEL_SYSTEM] as Metrics;

  // 2. The production fit on every row, its batch predictions and artifacts.
  const production = await timed('fit', () =>
    deps.fitCustomerTableModel(table, all, asOf, {
      fit: options.fit,
      onEpoch: onEpoch('fit', 'production fit'),
    }),
  );
  let returning = 0;
  for (const y of actual) if (y > 0) returning++;
  let clipped = 0;
  for (const y of table.label) if (y < 0) clipped++;
  // 3. Published: promoted if it beats the recorded metrics of whichever champion holds the pointer.
  return publishTrainedVersion<CustomerTableModelMeta>(store, production.model, {
    dataset,
    customersToScore: customers,
    score: () => scoreCustomerTable(production.model, production.encoding, table, asOf),
    meta: (scored) => ({
      inputKind: 'customer-table',
      horizonDays: null,
      asOf: new Date(asOf).toISOString(),
      label: { column: table.labelColumn, clippedAtZero: clipped },
      encoding: production.encoding,
      rows: { customers, scored: scored.value.length },
      evaluation: {
        method: 'random-holdout',
        note: EVALUATION_NOTE,
        holdoutShare: HOLDOUT_SHARE,
        seed,
        customers: split.holdout.length,
        returningShare: returning / Math.max(1, actual.length),
        systems,
      },
      dataFingerprint: options.dataFingerprint,
      durations,
      dataQuality: options.ingestReports ? summarizeIngestReports(options.ingestReports) : undefined,
      featureImportance,
    }),
    metrics: modelMetrics,
    judge: (current) => judgeChampion(store, dataset, current),
    summaries: (scored) => reportSummaries({ actual, systems: evaluated }, scored),
    now: deps.now,
    timed,
    onProgress: report,
  });
}

/**
 * The champion's recorded metrics (re-scoring it on this holdout would be in-sample: a customer-table
 * champion learnt on these rows; a transaction champion cannot read a customer table).
 */
async function judgeChampion(
  store: BlobStore,
  dataset: string,
  pointer: ChampionPointer,
): Promise<ChampionEvaluation> {
  const meta = await readMeta(store, dataset, pointer.version).catch(() => undefined);
  return recordedChampion(
    pointer,
    meta && !isCustomerTableMeta(meta)
      ? 'it was trained on transactions, not on a customer table: its metrics are from its out-of-time window'
      : 'it learnt on the rows of this holdout',
  );
}

/** The model inputs of each table column (a category's one-hot columns, a value's missing flag), for permutation importance. */
function columnGroups(encoding: CustomerTableEncoding): FeatureGroup[] {
  let at = 0;
  return encoding.columns.map((column) => {
    const width = customerFeatureNames({ ...encoding, columns: [column] }).length;
    const columns = Array.from({ length: width }, (_, i) => at + i);
    at += width;
    return { name: column.name, columns };
  });
}

function secondsSince(started: number): number {
  return roundSeconds((performance.now() - started) / 1000);
}

/** A seeded {@link HOLDOUT_SHARE} of `rows` held out; both parts keep the rows' order. */
function splitRows(rows: Int32Array, seed: number): { train: Int32Array; holdout: Int32Array } {
  const random = seededRandom(seed);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const r of rows) (random() < HOLDOUT_SHARE ? holdout : train).push(r);
  return { train: Int32Array.from(train), holdout: Int32Array.from(holdout) };
}
