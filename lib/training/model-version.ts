import type { Metrics } from '../evaluate/metrics';
import { saveModel } from '../model/model-io';
import type { TrainedModel } from '../model/value-model';
import { type BlobStore, putJson } from '../store/blob-store';
import { type ChampionEvaluation, type ModelMeta, metaKey, predictionsKey } from './artifacts';
import { type ChampionPointer, decidePromotion, type PromotionDecision, promoteIfBetter } from './champion';
import { predictionsCsv, type ScoredCustomers } from './predictions-csv';

/**
 * What writing and promoting a model version needs of its meta.json, whichever input kind the model
 * learnt from (transactions: artifacts.ts ModelMeta; customer tables: train-customer-table.ts).
 */
export interface VersionMeta {
  dataset: string;
  version: string;
  promotion: ModelMeta['promotion'];
  durations: Record<string, number>;
  evaluation: { champion?: ChampionEvaluation };
}

/** Runs work as a named phase, recording its wall time (seconds, ms precision) in `durations`. */
export function phaseTimer<Phase extends string>(durations: Record<string, number>) {
  return async <T>(phase: Phase, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      durations[phase] = roundSeconds((performance.now() - started) / 1000);
    }
  };
}

export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The backend and training summary of a fitted model, as meta.json records them. */
export function trainingMeta(model: TrainedModel): Pick<ModelMeta, 'backend' | 'training'> {
  const { training } = model;
  return {
    backend: training?.backend ?? 'unknown',
    training: {
      bestEpoch: training?.bestEpoch ?? 0,
      epochs: training?.epochs.length ?? 0,
      trainRows: training?.trainRows ?? 0,
      validationRows: training?.validationRows ?? 0,
      seconds: roundSeconds(training?.seconds ?? 0),
    },
  };
}

/**
 * Write a version's model.json and weights.bin, predictions.csv and, last, meta.json: written before the
 * champion pointer can move to the version, so a champion always has its meta.json.
 */
export async function writeVersion(
  store: BlobStore,
  prefix: string,
  model: TrainedModel,
  scored: ScoredCustomers,
  meta: VersionMeta,
): Promise<void> {
  await saveModel(model, store, prefix);
  await store.put(predictionsKey(meta.dataset, meta.version), predictionsCsv(scored, meta.version), {
    contentType: 'text/csv',
  });
  await putJson(store, metaKey(meta.dataset, meta.version), meta);
}

/**
 * Move `champion.json` to the version if {@link decidePromotion} prefers its metrics to those `judge`
 * gives for whichever champion holds the pointer at the moment of the conditional write (race-safe:
 * {@link promoteIfBetter}), then record the decision and the champion's evaluation in meta.json.
 * @param recordedAs how a champion judged by its recorded metrics was measured (`out-of-time`, `holdout`)
 */
export async function promoteVersion(
  store: BlobStore,
  meta: VersionMeta,
  metrics: Metrics,
  judge: (current: ChampionPointer) => Promise<ChampionEvaluation>,
  options: { now: () => Date; recordedAs: string },
): Promise<PromotionDecision> {
  let usedChampion: ChampionEvaluation | undefined;
  const pointer = {
    version: meta.version,
    promotedAt: options.now().toISOString(),
    gini: metrics.gini,
    decileMape: metrics.decileMape,
  };
  const decision = await promoteIfBetter(store, meta.dataset, pointer, async (current) => {
    usedChampion = current ? await judge(current) : undefined;
    const verdict = decidePromotion(metrics, usedChampion?.metrics);
    const basis =
      usedChampion?.basis === 'recorded'
        ? ` (against the champion's recorded ${options.recordedAs} metrics: ${usedChampion.note})`
        : '';
    return { ...verdict, reason: `${verdict.reason}${basis}` };
  });
  meta.evaluation.champion = usedChampion;
  meta.promotion = {
    status: decision.promoted ? 'promoted' : 'not_promoted',
    reason: decision.reason,
    previousChampion: decision.previous?.version,
  };
  return decision;
}
