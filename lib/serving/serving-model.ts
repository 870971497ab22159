import type { TrainedModel } from '../model/value-model';
import type { ModelMeta } from '../registry/model-meta';
import { loadModelVersion } from '../registry/model-versions';
import type { BlobStore } from '../store/blob-store';
import { getText } from '../store/blob-store';
import { predictionsKey } from '../store/bucket-layout';
import { type BatchScores, parseBatchScores } from './batch-scores';

/** Everything serving needs of one model version, loaded completely before it is served. */
export interface ServingModel {
  dataset: string;
  version: string;
  model: TrainedModel;
  /** meta.json of either input kind: transactions, or a customer table (`inputKind: 'customer-table'`). */
  meta: ModelMeta;
  batch: BatchScores;
}

/** Load a model version with its meta.json and its indexed batch scores (predictions.csv). */
export async function loadServingModel(
  store: BlobStore,
  dataset: string,
  version: string,
): Promise<ServingModel> {
  const [loaded, csv] = await Promise.all([
    loadModelVersion(store, dataset, version),
    getText(store, predictionsKey(dataset, version)),
  ]);
  if (csv === undefined) {
    loaded.model.dispose();
    throw new Error(`model version ${version} of "${dataset}" has no predictions.csv`);
  }
  return { dataset, version, model: loaded.model, meta: loaded.meta, batch: parseBatchScores(csv) };
}
