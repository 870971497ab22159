import { readChampion } from '../registry/champion';
import { NoChampionError } from '../registry/model-versions';
import type { BlobStore } from '../store/blob-store';
import { loadServingModel, type ServingModel } from './serving-model';

export { NoChampionError };

export interface ModelCacheOptions {
  /** Seconds between checks of `champion.json` (one HEAD request); default 30. */
  refreshSeconds?: number;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Loads one version completely (tests replace it). */
  loadVersion?: (store: BlobStore, dataset: string, version: string) => Promise<ServingModel>;
  /** Told when a refresh failed while an older model kept serving. */
  onStaleServe?: (dataset: string, error: unknown) => void;
  /** Told when a version has been loaded and swapped in, with how long the load took (ms). */
  onLoaded?: (dataset: string, version: string, durationMs: number) => void;
}

interface Entry {
  served?: { etag: string; model: ServingModel };
  checkedAt: number;
  /** The one refresh in flight for this dataset, shared by every request that needs it. */
  refreshing?: Promise<ServingModel>;
}

/**
 * The champion model of each dataset, loaded lazily on first use and kept across warm invocations.
 *
 * - one load in flight per dataset, however many requests arrive at once;
 * - a model is served only once it is completely loaded (the swap is a single assignment);
 * - at most every `refreshSeconds` one HEAD of `champion.json`; a changed etag pointing at a new version
 *   loads it, swaps it in and disposes the old model;
 * - a failed load is not cached: the next request retries (while an older model exists it keeps serving).
 *
 * Callers must use the returned model synchronously (features and predict are synchronous): the old model
 * is disposed on a later macrotask, after every request that already holds it has finished with it.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly loadVersion: NonNullable<ModelCacheOptions['loadVersion']>;
  private readonly onStaleServe: NonNullable<ModelCacheOptions['onStaleServe']>;
  private readonly onLoaded: NonNullable<ModelCacheOptions['onLoaded']>;

  constructor(
    private readonly store: BlobStore,
    options: ModelCacheOptions = {},
  ) {
    this.refreshMs = (options.refreshSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
    this.loadVersion = options.loadVersion ?? loadServingModel;
    this.onStaleServe = options.onStaleServe ?? (() => {});
    this.onLoaded = options.onLoaded ?? (() => {});
  }

  /**
   * The champion of `dataset`, ready to predict with.
   * @throws NoChampionError when the dataset has no champion (and none was served before)
   */
  async get(dataset: string): Promise<ServingModel> {
    let entry = this.entries.get(dataset);
    if (!entry) {
      entry = { checkedAt: 0 };
      this.entries.set(dataset, entry);
    }
    if (entry.served && this.now() - entry.checkedAt < this.refreshMs) return entry.served.model;
    const current = entry;
    current.refreshing ??= this.refresh(dataset, current).finally(() => {
      current.refreshing = undefined;
    });
    try {
      return await current.refreshing;
    } catch (error) {
      // Nothing to serve: forget the dataset, so requests naming many unknown datasets cannot grow the map.
      if (!current.served && this.entries.get(dataset) === current) this.entries.delete(dataset);
      if (!current.served || error instanceof NoChampionError) throw error;
      this.onStaleServe(dataset, error);
      return current.served.model;
    }
  }

  private async refresh(dataset: string, entry: Entry): Promise<ServingModel> {
    const champion = await readChampion(this.store, dataset);
    if (!champion) throw new NoChampionError(dataset);
    const served = entry.served;
    if (served && (served.etag === champion.etag || served.model.version === champion.pointer.version)) {
      entry.served = { etag: champion.etag, model: served.model };
      entry.checkedAt = this.now();
      return served.model;
    }
    const started = performance.now();
    const model = await this.loadVersion(this.store, dataset, champion.pointer.version);
    entry.served = { etag: champion.etag, model };
    entry.checkedAt = this.now();
    this.onLoaded(dataset, model.version, performance.now() - started);
    if (served) setImmediate(() => served.model.model.dispose());
    return model;
  }
}
