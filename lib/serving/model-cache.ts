import { CorruptChampionError, readChampion } from '../registry/champion';
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
  /** Told of every failed refresh (pointer unreadable, version not loadable), and when the next try is due. */
  onLoadFailed?: (dataset: string, error: unknown, retryInMs: number) => void;
}

/** Longest wait between two tries of a champion that failed to load (at least the refresh interval). */
export const MAX_RETRY_BACKOFF_MS = 60_000;

/**
 * The champion cannot be loaded and there is no earlier model to serve: the pointer is corrupt, or the
 * version it names could not be loaded. Loading is tried again after `retryInMs`.
 */
export class ChampionUnavailableError extends Error {
  constructor(
    readonly dataset: string,
    readonly corruptPointer: boolean,
    readonly retryInMs: number,
  ) {
    super(
      corruptPointer
        ? `the champion pointer of dataset "${dataset}" (models/${dataset}/champion.json) is corrupt: point it at a good version, or train the dataset (its next version replaces the pointer)`
        : `the champion model of dataset "${dataset}" could not be loaded (logged): retrain, or point models/${dataset}/champion.json at a good version`,
    );
    this.name = 'ChampionUnavailableError';
  }
}

interface Entry {
  served?: { etag: string; model: ServingModel };
  checkedAt: number;
  /** The one refresh in flight for this dataset, shared by every request that needs it. */
  refreshing?: Promise<ServingModel>;
  /** Consecutive failed refreshes, and when the next may start: a broken champion is not reloaded per request. */
  failure?: { count: number; retryAt: number; corruptPointer: boolean };
}

/**
 * The champion model of each dataset, loaded lazily on first use and kept across warm invocations.
 *
 * - one load in flight per dataset, however many requests arrive at once;
 * - a model is served only once it is completely loaded (the swap is a single assignment);
 * - at most every `refreshSeconds` one HEAD of `champion.json`; a changed etag pointing at a new version
 *   loads it, swaps it in and disposes the old model;
 * - a failed refresh (corrupt pointer, version that does not load) is remembered: the first is retried by
 *   the next request (a passing S3 hiccup), then after 1, 2, 4 … s, at most `MAX_RETRY_BACKOFF_MS` (or the
 *   refresh interval when longer); meanwhile the last good model keeps serving, or, with none,
 *   {@link ChampionUnavailableError} answers at once.
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
  private readonly onLoadFailed: NonNullable<ModelCacheOptions['onLoadFailed']>;

  constructor(
    private readonly store: BlobStore,
    options: ModelCacheOptions = {},
  ) {
    this.refreshMs = (options.refreshSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
    this.loadVersion = options.loadVersion ?? loadServingModel;
    this.onStaleServe = options.onStaleServe ?? (() => {});
    this.onLoaded = options.onLoaded ?? (() => {});
    this.onLoadFailed = options.onLoadFailed ?? (() => {});
  }

  /**
   * The champion of `dataset`, ready to predict with.
   * @throws NoChampionError when the dataset has no champion (and none was served before)
   * @throws ChampionUnavailableError when the champion cannot be loaded and none was served before
   */
  async get(dataset: string): Promise<ServingModel> {
    let entry = this.entries.get(dataset);
    if (!entry) {
      entry = { checkedAt: 0 };
      this.entries.set(dataset, entry);
    }
    const now = this.now();
    if (entry.served && now - entry.checkedAt < this.refreshMs) return entry.served.model;
    const { failure } = entry;
    if (failure && now < failure.retryAt) {
      if (entry.served) return entry.served.model;
      throw new ChampionUnavailableError(dataset, failure.corruptPointer, failure.retryAt - now);
    }
    const current = entry;
    current.refreshing ??= this.refresh(dataset, current).then(
      (model) => {
        current.refreshing = undefined;
        current.failure = undefined;
        return model;
      },
      (error: unknown) => {
        current.refreshing = undefined;
        if (!(error instanceof NoChampionError)) this.recordFailure(dataset, current, error);
        throw error;
      },
    );
    try {
      return await current.refreshing;
    } catch (error) {
      if (error instanceof NoChampionError) {
        // Nothing to serve: forget the dataset, so requests naming many unknown datasets cannot grow the map.
        if (this.entries.get(dataset) === current) this.entries.delete(dataset);
        throw error;
      }
      // The request that ran the failed load sees its error (a corrupt pointer as ChampionUnavailableError);
      // those during the backoff see ChampionUnavailableError.
      if (!current.served) {
        if (!(error instanceof CorruptChampionError)) throw error;
        throw new ChampionUnavailableError(dataset, true, (current.failure?.retryAt ?? 0) - this.now());
      }
      this.onStaleServe(dataset, error);
      return current.served.model;
    }
  }

  /** Remember a failed refresh and when to try again (exponential backoff, the first retry at once). */
  private recordFailure(dataset: string, entry: Entry, error: unknown): void {
    const count = (entry.failure?.count ?? 0) + 1;
    const cap = Math.max(MAX_RETRY_BACKOFF_MS, this.refreshMs);
    const delay = count === 1 ? 0 : Math.min(cap, 1000 * 2 ** (count - 2));
    entry.failure = {
      count,
      retryAt: this.now() + delay,
      corruptPointer: error instanceof CorruptChampionError,
    };
    this.onLoadFailed(dataset, error, delay);
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
