import { randomBytes } from 'node:crypto';
import { loadModel } from '../model/model-io';
import type { TrainedModel } from '../model/value-model';
import type { BlobStore } from '../store/blob-store';
import { modelsPrefix, parseMetaKey, versionPrefix } from '../store/bucket-layout';
import { readChampion } from './champion';
import { type ModelMeta, readMeta } from './model-meta';

/** A model version: sortable by time, unique across concurrent trainings (`20261128T183700Z-1a2b3c`). */
export function newModelVersion(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

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

/** The most recent model version of a dataset that has a meta.json (versions sort by time), if any. */
export async function latestVersion(store: BlobStore, dataset: string): Promise<string | undefined> {
  let latest: string | undefined;
  for await (const info of store.list(modelsPrefix(dataset))) {
    const version = parseMetaKey(info.key)?.version;
    if (version !== undefined && (latest === undefined || version > latest)) latest = version;
  }
  return latest;
}
