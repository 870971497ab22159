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
  return { pointer: JSON.parse(text) as ChampionPointer, etag: info.etag };
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
    const current = await readChampion(store, dataset);
    const decision = await decide(current?.pointer);
    if (!decision.promoted) return { ...decision, previous: current?.pointer };
    try {
      await putJson(store, championKey(dataset), pointer, { ifMatch: current?.etag ?? null });
      return { ...decision, previous: current?.pointer };
    } catch (e: unknown) {
      if (!(e instanceof PreconditionFailedError) || attempt >= maxAttempts) throw e;
    }
  }
}
