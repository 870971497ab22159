import type { CustomerFeatures, FeatureSpec } from '../features/compute-features';
import { customerOutlook, outlookSegments } from '../features/customer-outlook';
import { withFeatureEngine } from '../features/feature-engine';
import type { IngestReport } from '../ingest/ingest-core';
import { type CustomerRows, loadCustomerTableToScore } from '../ingest/load-customer-table';
import { type LoadOptions, loadTransactionsFromFiles } from '../ingest/load-files';
import type { TransactionTable } from '../ingest/transaction-table';
import { DEFAULT_LIFETIME_VALUE, type LifetimeValueOptions } from '../model/lifetime-value';
import type { TrainedModel } from '../model/value-model';
import {
  type CustomerTableModelMeta,
  isCustomerTableMeta,
  type ModelMeta,
  type TransactionModelMeta,
} from '../registry/model-meta';
import { type ScoredCustomers, valueDeciles } from '../registry/predictions-csv';

/**
 * Score every customer with a transaction before `asOf` with a trained model, building the features (the
 * batch path's SQL) with the model's own serving spec (categorical levels, BG/NBD and Gamma-Gamma fits),
 * as the API does.
 */
export async function scoreCustomers(
  model: TrainedModel,
  spec: FeatureSpec,
  table: TransactionTable,
  asOf: number,
  lifetime: LifetimeValueOptions = DEFAULT_LIFETIME_VALUE,
): Promise<ScoredCustomers> {
  const features = await withFeatureEngine(table, (engine) =>
    engine.features(asOf, {
      horizonDays: spec.horizonDays,
      categoryLevels: spec.categoryLevels,
      bgNbd: spec.bgNbd,
      gammaGamma: spec.gammaGamma,
    }),
  );
  return scoreFeatures(model, spec, features, table, asOf, lifetime);
}

/**
 * Every customer's row of predictions.csv from feature rows built with the model's spec: the prediction and
 * its outlook (lib/features/customer-outlook.ts), with each customer's segment among these customers'
 * value deciles.
 */
export function scoreFeatures(
  model: TrainedModel,
  spec: FeatureSpec,
  features: CustomerFeatures,
  table: TransactionTable,
  asOf: number,
  lifetime: LifetimeValueOptions = DEFAULT_LIFETIME_VALUE,
): ScoredCustomers {
  const outlook = customerOutlook(model, spec, features, table, asOf, lifetime);
  const segment = outlookSegments(outlook, valueDeciles(outlook.value), features, spec.horizonDays);
  return {
    customerIds: Array.from(features.customers, (c) => table.customerIds[c] as string),
    ...outlook,
    ...(segment && { segment }),
  };
}

/** None of the files holds what the model reads; the message says what it reads and why each file failed. */
export class NothingToScoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToScoreError';
  }
}

/** Local files read to score with a model, as the kind of input it reads, with the model's meta.json. */
export type FilesToScore =
  | { kind: 'transactions'; table: TransactionTable; reports: IngestReport[]; meta: TransactionModelMeta }
  | { kind: 'customer-table'; table: CustomerRows; reports: IngestReport[]; meta: CustomerTableModelMeta };

/**
 * Read local files to score with a model as the kind of input it reads (meta.json's `inputKind`), through
 * the loaders training uses: transaction logs, or a customer table with or without its label column
 * (the label is the future being predicted: it is not read). Files that cannot be read as that kind are
 * reported in `reports` and skipped.
 * @throws NothingToScoreError when no file holds a row the model can score (e.g. transactions given to a
 *   customer-table model, or a customer table to a transaction model)
 * @throws {SourceFailedError} when a file fails after rows of it were read
 * @throws {InconsistentCustomerTableError} when customer tables have different columns or share a customer
 */
export async function loadFilesToScore(
  paths: string[],
  meta: ModelMeta,
  options: LoadOptions = {},
): Promise<FilesToScore> {
  if (isCustomerTableMeta(meta)) {
    const columns = meta.encoding.columns.map((c) => c.name);
    const { table, reports } = await loadCustomerTableToScore(paths, columns, options);
    if (!table || table.customerIds.length === 0)
      throw nothingToScore('a customer table (one row per customer)', reports);
    return { kind: 'customer-table', table, reports, meta };
  }
  const { table, reports } = await loadTransactionsFromFiles(paths, options);
  if (table.length === 0) throw nothingToScore('transactions (one row per purchase)', reports);
  return { kind: 'transactions', table, reports, meta };
}

function nothingToScore(reads: string, reports: readonly IngestReport[]): NothingToScoreError {
  const why = reports.map(
    (r) =>
      `${r.sourceKey ?? r.source}: ${r.status === 'failed' ? (r.failureReason ?? 'failed') : `no row accepted of ${r.rowsRead}`}`,
  );
  return new NothingToScoreError(
    `the model reads ${reads}, and no file holds any: ${why.length > 0 ? why.join('; ') : 'no data files given'}`,
  );
}
