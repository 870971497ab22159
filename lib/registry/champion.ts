import { type BlobStore, getText, PreconditionFailedError, putJson } from '../store/blob-store';
import { championKey } from '../store/bucket-layout';

/** `models/<dataset>/champion.json`: the pointer the predictor follows. */
export interface ChampionPointer {
  version: string;
  promotedAt: string;
  /**
   * Normalized Gini and decile MAPE of the champion on the validation window it was promoted on; null
   * (NaN in memory) for a champion trained without an out-of-time evaluation (`evaluated: false`).
   */
  gini: number;
  decileMape: number;
  /** false: trained on a history too short for an out-of-time evaluation; absent means evaluated. */
  evaluated?: false;
}

/** How a challenger fared against the champion on the same validation window. */
export interface PromotionDecision {
  promoted: boolean;
  reason: string;
  previous?: ChampionPointer;
}

/** Read the champion pointer and its etag (for a conditional update), or nothing if there is none yet. */
export async function readChampion(
  store: BlobStore,
  dataset: string,
): Promise<{ pointer: ChampionPointer; etag: string } | undefined> {
  const key = championKey(dataset);
  const info = await store.head(key);
  if (!info) return undefined;
  const text = await getText(store, key);
  if (text === undefined) return undefined;
  return { pointer: parseChampionPointer(text, key, info.etag), etag: info.etag };
}

/** `champion.json` is not a pointer valuecast wrote (truncated, edited by hand, not JSON, no version). */
export class CorruptChampionError extends Error {
  constructor(
    readonly key: string,
    problem: string,
    /** The corrupt object's etag, so a promotion can replace exactly it. */
    readonly etag?: string,
  ) {
    super(
      `${key} is not a valid champion pointer (${problem}): point it at a good version, or train the dataset (its next version replaces it)`,
    );
    this.name = 'CorruptChampionError';
  }
}

/** A version is one key segment (`20261128T183700Z-1a2b3c`): no `/`, never `.` or `..`. */
const VERSION_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The pointer in `champion.json`, checked only as far as following it needs (an object whose `version` is
 * one key segment): a pointer that fails it would send every reader to a path that is not a version.
 * @throws CorruptChampionError naming the key and the problem
 */
export function parseChampionPointer(text: string, key: string, etag?: string): ChampionPointer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptChampionError(key, 'not JSON', etag);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof value !== 'object' || value === null || typeof version !== 'string')
    throw new CorruptChampionError(key, 'no "version"', etag);
  if (!VERSION_SEGMENT.test(version))
    throw new CorruptChampionError(
      key,
      `"version" ${JSON.stringify(version.slice(0, 80))} is not a version name`,
      etag,
    );
  return value as ChampionPointer;
}

/**
 * The promotion rule: a challenger replaces the champion only if, on the same validation window, its
 * normalized Gini is at least the champion's (ranking is what the product sells) and its decile MAPE is
 * no more than `mapeTolerance` worse (the money figures per decile must stay usable). No champion yet:
 * the challenger is promoted.
 */
export function decidePromotion(
  challenger: { gini: number; decileMape: number },
  championOnSameWindow: { gini: number; decileMape: number } | undefined,
  mapeTolerance = 0.05,
): { promoted: boolean; reason: string } {
  if (!championOnSameWindow) return { promoted: true, reason: 'no champion yet' };
  if (!Number.isFinite(championOnSameWindow.gini))
    return {
      promoted: true,
      reason: 'the champion has no out-of-time metrics to defend (trained on a short history)',
    };
  if (!(challenger.gini >= championOnSameWindow.gini)) {
    return {
      promoted: false,
      reason: `Gini ${challenger.gini.toFixed(4)} is below the champion's ${championOnSameWindow.gini.toFixed(4)} on the same window`,
    };
  }
  if (!(challenger.decileMape <= championOnSameWindow.decileMape + mapeTolerance)) {
    return {
      promoted: false,
      reason: `decile MAPE ${challenger.decileMape.toFixed(4)} is worse than the champion's ${championOnSameWindow.decileMape.toFixed(4)} by more than ${mapeTolerance}`,
    };
  }
  return {
    promoted: true,
    reason: `Gini ${challenger.gini.toFixed(4)} ≥ champion's ${championOnSameWindow.gini.toFixed(4)} and decile MAPE within tolerance`,
  };
}

/** {@link readChampion}, with a corrupt pointer read as no pointer, its etag and the problem kept. */
async function readChampionOrCorrupt(
  store: BlobStore,
  dataset: string,
): Promise<{ pointer?: ChampionPointer; etag: string; corrupt?: string } | undefined> {
  try {
    return await readChampion(store, dataset);
  } catch (e: unknown) {
    if (!(e instanceof CorruptChampionError) || e.etag === undefined) throw e;
    return { etag: e.etag, corrupt: `${e.key} was corrupt` };
  }
}

/**
 * Move the pointer to `pointer.version` if `decide` says so, with a conditional write: if another training
 * moved the pointer in between, re-read it and decide again against the new champion, so two trainings of
 * one dataset at once can never overwrite each other's promotion blindly.
 */
export async function promoteIfBetter(
  store: BlobStore,
  dataset: string,
  pointer: ChampionPointer,
  decide: (current: ChampionPointer | undefined) => Promise<{ promoted: boolean; reason: string }>,
  maxAttempts = 5,
): Promise<PromotionDecision> {
  for (let attempt = 1; ; attempt++) {
    const current = await readChampionOrCorrupt(store, dataset);
    const verdict = await decide(current?.pointer);
    // A corrupt pointer names nothing to defend: the challenger is judged as a first model and replaces it.
    const decision = current?.corrupt
      ? { ...verdict, reason: `${verdict.reason} (${current.corrupt}: replaced)` }
      : verdict;
    if (!decision.promoted) return { ...decision, previous: current?.pointer };
    try {
      await putJson(store, championKey(dataset), pointer, { ifMatch: current?.etag ?? null });
      return { ...decision, previous: current?.pointer };
    } catch (e: unknown) {
      if (!(e instanceof PreconditionFailedError) || attempt >= maxAttempts) throw e;
    }
  }
}
