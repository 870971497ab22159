import type { CustomerFeatures } from '../features/compute-features';
import { FeatureEngine } from '../features/feature-engine';
import {
  buildTrainingRows,
  buildTruth,
  predictLastWindow,
  type TrainingRows,
} from '../features/training-rows';
import type { TransactionTable } from '../ingest/transaction-table';
import { visibleTable } from '../ingest/visible-table';
import { featureColumn } from '../model/feature-matrix';
import { fitLinearRegression, predictLinear } from '../model/linear-regression';
import { DAY_MS } from '../time';
import { evaluateMetrics, type Metrics } from './metrics';

/** What a system may see in a backtest: only history before the cutoff. */
export interface BacktestInput {
  /** Transactions before the cutoff (the future rows are not in this table at all). */
  visible: TransactionTable;
  /** The cutoff instant, epoch ms, exclusive (the end of the cutoff day). */
  asOf: number;
  horizonDays: number;
  /** Features at the cutoff of every scored customer: predictions must follow `scoring.customers`. */
  scoring: CustomerFeatures;
  /**
   * The batch features of `visible`'s customers at any date up to the cutoff (and what they spent), with
   * what other systems already built: a system fits on these rather than building its own.
   */
  features: FeatureEngine;
  /** Labelled rows rolled back one horizon (features at c−H, spend in [c−H, c)); built on first use. */
  training(): Promise<TrainingRows>;
}

/** A forecasting system under test: one prediction of horizon spend per scored customer. */
export interface BacktestSystem {
  name: string;
  predict(input: BacktestInput): Float32Array | Promise<Float32Array>;
}

export interface SystemResult {
  name: string;
  metrics: Metrics;
  /** Wall time of the system's own work (the shared features at the cutoff are in `featureSeconds`). */
  seconds: number;
  predictions: Float32Array;
}

export interface BacktestResult {
  /** The cutoff day, YYYY-MM-DD; data up to and including it are visible. */
  cutoff: string;
  horizonDays: number;
  /** Scored customers: everyone with a transaction on or before the cutoff day. */
  customers: number;
  customerIds: string[];
  /** Share of scored customers whose truth is > 0. */
  returningShare: number;
  /** Truth per scored customer: net spend in the H days after the cutoff day, clipped at 0. */
  actual: Float32Array;
  featureSeconds: number;
  systems: SystemResult[];
}

export interface BacktestOptions {
  /** YYYY-MM-DD: the last visible day. */
  cutoff: string;
  horizonDays: number;
  /** Systems to run, default {@link BASELINE_SYSTEMS}. */
  systems?: BacktestSystem[];
  /**
   * The batch features of the table (a training passes the one it builds everything with); default one
   * opened for the backtest and closed after it.
   */
  features?: FeatureEngine;
  onProgress?: (message: string) => void;
}

/** The benchmark cannot run on this input (bad cutoff or horizon, nobody to score). */
export class BacktestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestInputError';
  }
}

/** BG/NBD + Gamma-Gamma expected spend, read from the features (fitted on the visible history only). */
export const bgNbdGammaGammaSystem: BacktestSystem = {
  name: 'bgnbd_gammagamma',
  predict: ({ scoring }) => featureColumn(scoring, 'bgnbd_gg_expected_spend'),
};

/** The seed's least squares on order count, mean order value and days since last purchase. */
export const linearSystem: BacktestSystem = {
  name: 'linear',
  predict: async ({ training, scoring }) => {
    const rows = await training();
    return predictLinear(fitLinearRegression(rows.features, rows.label), scoring);
  },
};

/** Spend of the last H days repeats. */
export const lastWindowSystem: BacktestSystem = {
  name: 'last_window',
  predict: ({ features, scoring, asOf, horizonDays }) =>
    predictLastWindow(features, scoring.customers, asOf, horizonDays),
};

export const BASELINE_SYSTEMS: readonly BacktestSystem[] = [
  bgNbdGammaGammaSystem,
  linearSystem,
  lastWindowSystem,
];

/**
 * Out-of-time backtest (docs/accuracy-protocol.md): systems see only transactions up to and including
 * the cutoff day, every customer with such a transaction is scored, and predictions are compared with each
 * customer's net spend over the following `horizonDays` days (clipped at 0).
 */
export async function runBacktest(
  table: TransactionTable,
  options: BacktestOptions,
): Promise<BacktestResult> {
  const { horizonDays } = options;
  if (!(Number.isInteger(horizonDays) && horizonDays > 0))
    throw new BacktestInputError(`the horizon must be a positive whole number of days, got ${horizonDays}`);
  const asOf = endOfDay(options.cutoff);
  const progress = options.onProgress ?? (() => {});

  const started = performance.now();
  progress('features at the cutoff');
  const engine = options.features ?? (await FeatureEngine.open(table));
  try {
    if (engine.table.customerIds !== table.customerIds)
      throw new BacktestInputError('the feature engine was opened on another table than the backtest’s');
    const visible = visibleTable(table, asOf);
    const features = engine.visibleBefore(asOf);
    const scoring = await features.features(asOf, { horizonDays });
    if (scoring.rows === 0)
      throw new BacktestInputError(`no customer has a transaction on or before ${options.cutoff}`);
    const actual = await buildTruth(engine, scoring.customers, asOf, horizonDays);
    const featureSeconds = (performance.now() - started) / 1000;

    let training: Promise<TrainingRows> | undefined;
    const input: BacktestInput = {
      visible,
      asOf,
      horizonDays,
      scoring,
      features,
      training: () => {
        training ??= buildTrainingRows(features, {
          cutoff: asOf,
          horizonDays,
          categoryLevels: scoring.spec.categoryLevels,
        });
        return training;
      },
    };
    const systems: SystemResult[] = [];
    for (const system of options.systems ?? BASELINE_SYSTEMS) {
      progress(`system ${system.name}`);
      const t0 = performance.now();
      const predictions = await system.predict(input);
      const seconds = (performance.now() - t0) / 1000;
      if (predictions.length !== scoring.rows)
        throw new BacktestInputError(
          `system ${system.name} returned ${predictions.length} predictions for ${scoring.rows} customers`,
        );
      systems.push({
        name: system.name,
        metrics: evaluateMetrics(actual, predictions),
        seconds,
        predictions,
      });
    }
    return backtestResult(table, options.cutoff, horizonDays, scoring, actual, featureSeconds, systems);
  } finally {
    if (!options.features) engine.close();
  }
}

function backtestResult(
  table: TransactionTable,
  cutoff: string,
  horizonDays: number,
  scoring: CustomerFeatures,
  actual: Float32Array,
  featureSeconds: number,
  systems: SystemResult[],
): BacktestResult {
  let returning = 0;
  for (const v of actual) if (v > 0) returning++;
  return {
    cutoff,
    horizonDays,
    customers: scoring.rows,
    customerIds: Array.from(scoring.customers, (c) => table.customerIds[c] as string),
    returningShare: returning / scoring.rows,
    actual,
    featureSeconds,
    systems,
  };
}

/** The instant right after the given UTC day: the exclusive as-of of "up to and including that day". */
export function endOfDay(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || new Date(start).toISOString().slice(0, 10) !== day)
    throw new BacktestInputError(`the cutoff must be a date YYYY-MM-DD, got "${day}"`);
  return start + DAY_MS;
}
