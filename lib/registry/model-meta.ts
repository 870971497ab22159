import type { FeatureImportance } from '../evaluate/feature-importance';
import type { Metrics } from '../evaluate/metrics';
import type { FeatureSpec } from '../features/compute-features';
import type { CustomerTableEncoding } from '../features/customer-table-features';
import type { RepeatTracking } from '../features/repeat-tracking';
import type { SegmentSummary } from '../features/segments';
import type { ShopForecast } from '../model/seasonal-level';
import type { IntervalCoverage } from '../model/spend-distribution';
import { type BlobStore, getJson, putJson } from '../store/blob-store';
import { metaKey } from '../store/bucket-layout';
import type { DataQualitySummary } from './data-quality';
import type { ModelFlag } from './promotion-guards';

/** How the champion fared on the challenger's validation window. */
export interface ChampionEvaluation {
  version: string;
  /**
   * `evaluated`: re-scored on this window (features rebuilt with its categorical levels, BG/NBD refitted
   * at the window's start, as in training); only when it was trained on data before the window, so the
   * comparison is out of time for both. `recorded`: the metrics recorded when it was promoted (its own
   * out-of-time window), because re-scoring it here would be in-sample (it was fitted or early-stopped on
   * part of this window), its features no longer match today's, or it could not be loaded; `note` says which.
   */
  basis: 'evaluated' | 'recorded';
  metrics: Pick<Metrics, 'gini' | 'decileMape'> & Partial<Metrics>;
  /** With basis `recorded` because of overlap: its in-sample metrics on this window, for information only. */
  inSampleMetrics?: Metrics;
  note?: string;
}

/** What every `meta.json` holds, whichever input kind the model learnt from. */
interface ModelMetaBase {
  schemaVersion: 1;
  dataset: string;
  version: string;
  createdAt: string;
  architecture: string;
  /** Feature columns in the network's order (the transforms are inside model.json). */
  featureNames: string[];
  backend: string;
  training: { bestEpoch: number; epochs: number; trainRows: number; validationRows: number; seconds: number };
  /**
   * How the network's output becomes money (lib/model/calibration.ts; the knots themselves are in model.json):
   * absent for a model without calibration (the seed MLP, meta.json written before this field).
   */
  valueCalibration?: {
    knots: number;
    /** The feature column averaged in, and its weight (1: the network was not used, see fit-value-model.ts). */
    blendColumn?: string;
    blendWeight: number;
    levelFactor?: number;
  };
  promotion: { status: 'pending' | 'promoted' | 'not_promoted'; reason: string; previousChampion?: string };
  /** What a person should know before relying on this version (lib/registry/promotion-guards.ts); absent: none. */
  flags?: ModelFlag[];
  dataFingerprint: string;
  /** Seconds per phase. */
  durations: Record<string, number>;
  dataQuality?: DataQualitySummary;
  /** Permutation importance of the evaluated model's features on its evaluation rows. */
  featureImportance?: FeatureImportance;
}

/** What every evaluation records: the evaluated customers and each system's metrics on them. */
interface EvaluationBase {
  /** Customers judged: scored on a transaction model's window, or the rows of a customer table's holdout. */
  customers: number;
  returningShare: number;
  systems: Record<string, Metrics & { seconds: number }>;
  champion?: ChampionEvaluation;
}

/** `meta.json` of a model trained on transactions: what it is, what it was trained on, how good it is and why it (was not) promoted. */
export interface TransactionModelMeta extends ModelMetaBase {
  /** Absent in meta.json written before customer tables were supported: absent means transactions. */
  inputKind?: 'transactions';
  /** Spend is predicted over the `horizonDays` days after `asOf`. */
  horizonDays: number;
  /** ISO instant, exclusive: the model saw transactions before it, predictions are as of it. */
  asOf: string;
  /** What serving passes to computeFeatures: categorical levels, BG/NBD and Gamma-Gamma fits at `asOf`. */
  featureSpec: FeatureSpec;
  /** As-of instants of the windows the network learned on and early-stopped on (ISO). */
  trainWindows: string[];
  earlyStoppingWindow: string;
  /** Present when the networks learnt from a customer sample (labelled rows above MAX_NETWORK_ROWS). */
  networkSample?: { customers: number; ofCustomers: number; rows: number; ofRows: number };
  rows: { transactions: number; customers: number; scored: number };
  /**
   * The scored customers' predicted total over the horizon with its 80% interval, and the money level that
   * set it (lib/model/seasonal-level.ts). Absent in meta.json written before it existed.
   */
  forecast?: ShopForecast;
  /** Customers and predicted money per segment of predictions.csv (absent before segments existed). */
  segments?: SegmentSummary[];
  /**
   * Out-of-time evaluation: every system fitted on data before `window.from`, judged on [from, to); with the
   * evaluated model's 80% interval coverage and the tracking plot of repeat purchase days (absent before
   * they existed). Absent when the history held less than two horizons before `asOf` (then `notEvaluated`
   * says so).
   */
  evaluation?: EvaluationBase & {
    window: { from: string; to: string };
    interval?: IntervalCoverage;
    tracking?: RepeatTracking;
  };
  /**
   * Present instead of `evaluation` when there was no out-of-time window to judge on: such a model is
   * promoted only when no evaluated champion exists (lib/training/model-version.ts).
   */
  notEvaluated?: { reason: string };
}

/** `meta.json` of a model trained on a labelled customer table (one row per customer). */
export interface CustomerTableModelMeta extends ModelMetaBase {
  inputKind: 'customer-table';
  /** The label column's own period, which the table does not state: the model predicts the label. */
  horizonDays: null;
  /** ISO instant, exclusive: dates were encoded as days before it. */
  asOf: string;
  label: { column: string; clippedAtZero: number };
  /** Everything that encodes a row into the model's inputs (see lib/features/customer-table-features.ts). */
  encoding: CustomerTableEncoding;
  rows: { customers: number; scored: number };
  /** A customer table has no time axis: every system is judged on a seeded random holdout of its rows. */
  evaluation: EvaluationBase & {
    method: 'random-holdout';
    note: string;
    holdoutShare: number;
    seed: number;
  };
}

/** `meta.json` of a model version, by the input kind it learnt from. */
export type ModelMeta = TransactionModelMeta | CustomerTableModelMeta;

/** Whether a meta.json is a customer-table model's (else a transaction model's, `inputKind` absent or `transactions`). */
export function isCustomerTableMeta(meta: ModelMeta): meta is CustomerTableModelMeta {
  return meta.inputKind === 'customer-table';
}

export async function readMeta(
  store: BlobStore,
  dataset: string,
  version: string,
): Promise<ModelMeta | undefined> {
  return getJson<ModelMeta>(store, metaKey(dataset, version));
}

export async function writeMeta(store: BlobStore, meta: ModelMeta): Promise<void> {
  await putJson(store, metaKey(meta.dataset, meta.version), meta);
}
