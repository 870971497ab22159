import { computeFeatures, type FeatureSpec } from '../features/compute-features';
import type { TransactionTable } from '../ingest/transaction-table';
import { loadModel } from '../model/model-io';
import type { TrainedModel } from '../model/value-model';
import type { BlobStore } from '../store/blob-store';
import { type ModelMeta, readMeta } from './artifacts';
import { readChampion, versionPrefix } from './champion';
import type { ScoredCustomers } from './predictions-csv';

/** There is no champion to score with yet: train first. */
export class NoChampionError extends Error {
  constructor(dataset: string) {
    super(`no champion model for dataset "${dataset}" yet: train one first`);
    this.name = 'NoChampionError';
  }
}

/** A loaded model version with its meta.json. */
export interface LoadedModel {
  version: string;
  model: TrainedModel;
  meta: ModelMeta;
}

/**
 * Load the model version `champion.json` points to, with its meta.json.
 * @throws NoChampionError when no champion exists
 */
export async function loadChampionModel(store: BlobStore, dataset: string): Promise<LoadedModel> {
  const champion = await readChampion(store, dataset);
  if (!champion) throw new NoChampionError(dataset);
  return loadModelVersion(store, dataset, champion.pointer.version);
}

/** Load one model version and its meta.json. */
export async function loadModelVersion(
  store: BlobStore,
  dataset: string,
  version: string,
): Promise<LoadedModel> {
  const meta = await readMeta(store, dataset, version);
  if (!meta) throw new Error(`model version ${version} of "${dataset}" has no meta.json`);
  const model = await loadModel(store, versionPrefix(dataset, version));
  return { version, model, meta };
}

/**
 * Score every customer with a transaction before `asOf` with a trained model, building the features with
 * the model's own serving spec (categorical levels, BG/NBD and Gamma-Gamma fits), as the API does.
 */
export function scoreCustomers(
  model: TrainedModel,
  spec: FeatureSpec,
  table: TransactionTable,
  asOf: number,
): ScoredCustomers {
  const features = computeFeatures(table, asOf, {
    horizonDays: spec.horizonDays,
    categoryLevels: spec.categoryLevels,
    bgNbd: spec.bgNbd,
    gammaGamma: spec.gammaGamma,
  });
  const { value, pReturn } = model.predict(features);
  return {
    customerIds: Array.from(features.customers, (c) => table.customerIds[c] as string),
    value,
    pReturn,
  };
}
