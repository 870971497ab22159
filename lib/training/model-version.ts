import type { Metrics } from '../evaluate/metrics';
import { saveModel } from '../model/model-io';
import type { TrainedModel } from '../model/value-model';
import {
  type ChampionPointer,
  decidePromotion,
  type PromotionDecision,
  promoteIfBetter,
} from '../registry/champion';
import { type ChampionEvaluation, type ModelMeta, writeMeta } from '../registry/model-meta';
import { newModelVersion } from '../registry/model-versions';
import { predictionsCsv, type ScoredCustomers } from '../registry/predictions-csv';
import { modelFlags, promotionBlocker } from '../registry/promotion-guards';
import type { ReportSummaries } from '../report/report-data';
import { writeModelReport } from '../report/write-report';
import type { BlobStore } from '../store/blob-store';
import { predictionsKey, versionPrefix } from '../store/bucket-layout';

/** Runs work as a named phase of a training, recording its wall time. */
export type PhaseTimer<Phase extends string> = <T>(phase: Phase, work: () => Promise<T> | T) => Promise<T>;

/**
 * The seconds per phase of a training (ms precision), starting with `load` when the caller timed the
 * data's loading, and the timer that records the others.
 */
export function phaseTimer<Phase extends string>(
  loadSeconds: number | undefined,
): { durations: Record<string, number>; timed: PhaseTimer<Phase> } {
  const durations: Record<string, number> = {};
  if (loadSeconds !== undefined) durations.load = roundSeconds(loadSeconds);
  const timed: PhaseTimer<Phase> = async (phase, work) => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      durations[phase] = roundSeconds((performance.now() - started) / 1000);
    }
  };
  return { durations, timed };
}

export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The backend and training summary of a fitted model, as meta.json records them. */
function trainingMeta(model: TrainedModel): Pick<ModelMeta, 'backend' | 'training' | 'valueCalibration'> {
  const { training } = model;
  const { calibration } = model.spec;
  return {
    ...(calibration && {
      valueCalibration: {
        knots: calibration.x.length,
        ...(calibration.blendColumn && { blendColumn: calibration.blendColumn }),
        blendWeight: calibration.blendWeight,
        ...(calibration.levelFactor !== undefined && { levelFactor: calibration.levelFactor }),
      },
    }),
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

/** The meta.json fields {@link publishTrainedVersion} fills from the model and its new version. */
type VersionMetaKeys =
  | 'schemaVersion'
  | 'dataset'
  | 'version'
  | 'createdAt'
  | 'architecture'
  | 'featureNames'
  | 'backend'
  | 'training'
  | 'valueCalibration'
  | 'promotion';

/** What {@link publishTrainedVersion} needs besides the model: how to score, describe and judge it. */
export interface TrainedVersionOptions<Meta extends ModelMeta> extends Omit<PublishOptions, 'summaries'> {
  dataset: string;
  /** How many customers {@link score} predicts, for its progress line. */
  customersToScore: number;
  /** The batch predictions of every customer (timed as the `score` phase). */
  score: () => ScoredCustomers;
  /** The input kind's part of meta.json. */
  meta: (scored: ScoredCustomers) => Omit<Meta, VersionMetaKeys>;
  /** What report.html draws besides meta.json, given the batch predictions. */
  summaries: (scored: ScoredCustomers) => ReportSummaries;
  timed: PhaseTimer<'score' | 'write' | 'promote'>;
  onProgress: (progress: { phase: 'score' | 'write' | 'promote'; message: string; rows?: number }) => void;
}

/** A published version: where it is, whether it became the champion and why. */
export interface TrainedVersion<Meta extends ModelMeta> {
  dataset: string;
  version: string;
  /** `models/<dataset>/<version>`. */
  prefix: string;
  /** `models/<dataset>/<version>/report.html`. */
  reportKey: string;
  promoted: boolean;
  reason: string;
  /** The metrics promotion compared (absent: the version was not evaluated out of time). */
  metrics: Metrics | undefined;
  meta: Meta;
}

/**
 * The last steps of a training, whichever input kind it learnt from: name a new version, score every
 * customer with the production model, complete meta.json and {@link publishVersion} it. The model is
 * disposed of when this returns or throws.
 */
export async function publishTrainedVersion<Meta extends ModelMeta>(
  store: BlobStore,
  model: TrainedModel,
  options: TrainedVersionOptions<Meta>,
): Promise<TrainedVersion<Meta>> {
  const { dataset, now, timed, onProgress } = options;
  try {
    const version = newModelVersion(now());
    const scored = await timed('score', () => {
      const rows = options.customersToScore;
      onProgress({ phase: 'score', message: `scoring ${rows} customers`, rows });
      return options.score();
    });
    const meta = {
      schemaVersion: 1,
      dataset,
      version,
      createdAt: now().toISOString(),
      ...options.meta(scored),
      architecture: model.architecture,
      featureNames: [...model.featureNames],
      ...trainingMeta(model),
      promotion: { status: 'pending', reason: 'the promotion decision is being made' },
    } as Meta;
    // Every input kind evaluates its production procedure as the system named `model` (MODEL_SYSTEM).
    const flags = modelFlags(meta.evaluation?.systems, 'model');
    if (flags.length > 0) meta.flags = flags;
    const published = await publishVersion(store, model, scored, meta, {
      ...options,
      summaries: options.summaries(scored),
    });
    return {
      dataset,
      version,
      prefix: versionPrefix(dataset, version),
      reportKey: published.reportKey,
      promoted: published.promoted,
      reason: published.reason,
      metrics: options.metrics,
      meta,
    };
  } finally {
    model.dispose();
  }
}

/** How {@link publishVersion} judges, reports and times a version. */
export interface PublishOptions {
  /**
   * The version's metrics that promotion compares with the champion's; absent for a version trained without
   * an out-of-time evaluation ({@link unevaluatedVerdict}).
   */
  metrics: Metrics | undefined;
  /** The champion's metrics on the version's evaluation rows, or its recorded ones ({@link recordedChampion}). */
  judge: (current: ChampionPointer) => Promise<ChampionEvaluation>;
  /** What report.html draws besides meta.json (lib/report/report-data.ts reportSummaries). */
  summaries: ReportSummaries;
  now: () => Date;
  timed: PhaseTimer<'write' | 'promote'>;
  onProgress: (progress: { phase: 'write' | 'promote'; message: string }) => void;
}

/**
 * Publish a trained version, whichever input kind it learnt from:
 * 1. write model.json and weights.bin, predictions.csv, then meta.json and report.html (before the pointer
 *    can move, so a champion always has both);
 * 2. move `champion.json` to it if {@link decidePromotion} prefers its metrics to those `judge` gives for
 *    whichever champion holds the pointer at the moment of the conditional write (race-safe:
 *    {@link promoteIfBetter});
 * 3. rewrite meta.json (the decision, the champion's evaluation, every phase's duration) and report.html
 *    from it, so the report always shows what meta.json says.
 * Returns the decision and the report's key.
 */
async function publishVersion(
  store: BlobStore,
  model: TrainedModel,
  scored: ScoredCustomers,
  meta: ModelMeta,
  options: PublishOptions,
): Promise<PromotionDecision & { reportKey: string }> {
  const { timed, onProgress } = options;
  const prefix = versionPrefix(meta.dataset, meta.version);
  await timed('write', async () => {
    onProgress({ phase: 'write', message: `writing ${prefix}` });
    await saveModel(model, store, prefix);
    await store.put(predictionsKey(meta.dataset, meta.version), predictionsCsv(scored, meta.version), {
      contentType: 'text/csv',
    });
    await writeMetaAndReport(store, meta, options);
  });
  const blocked = promotionBlocker(scored);
  const decision = await timed('promote', () =>
    blocked ? refusePromotion(meta, blocked) : promote(store, meta, options),
  );
  const reportKey = await writeMetaAndReport(store, meta, options);
  onProgress({
    phase: 'promote',
    message: decision.promoted ? `promoted ${meta.version}` : `kept the champion: ${decision.reason}`,
  });
  return { ...decision, reportKey };
}

async function writeMetaAndReport(
  store: BlobStore,
  meta: ModelMeta,
  { summaries, now }: PublishOptions,
): Promise<string> {
  await writeMeta(store, meta);
  return writeModelReport(store, meta, summaries, now().toISOString());
}

/** A version that must not be promoted whatever its metrics ({@link promotionBlocker}): the pointer is not read. */
function refusePromotion(meta: ModelMeta, reason: string): PromotionDecision {
  meta.promotion = { status: 'not_promoted', reason };
  return { promoted: false, reason };
}

/** The promotion step of {@link publishVersion}: the decision and the champion's evaluation go into `meta`. */
async function promote(
  store: BlobStore,
  meta: ModelMeta,
  { metrics, judge, now }: PublishOptions,
): Promise<PromotionDecision> {
  let usedChampion: ChampionEvaluation | undefined;
  const pointer: ChampionPointer = {
    version: meta.version,
    promotedAt: now().toISOString(),
    gini: metrics?.gini ?? Number.NaN,
    decileMape: metrics?.decileMape ?? Number.NaN,
    ...(!metrics && { evaluated: false }),
  };
  const decision = await promoteIfBetter(store, meta.dataset, pointer, async (current) => {
    if (!metrics) return unevaluatedVerdict(current);
    usedChampion = current ? await judge(current) : undefined;
    const verdict = decidePromotion(metrics, usedChampion?.metrics);
    const basis =
      usedChampion?.basis === 'recorded'
        ? ` (against the champion's recorded metrics: ${usedChampion.note})`
        : '';
    return { ...verdict, reason: `${verdict.reason}${basis}` };
  });
  if (meta.evaluation) meta.evaluation.champion = usedChampion;
  meta.promotion = {
    status: decision.promoted ? 'promoted' : 'not_promoted',
    reason: decision.reason,
    previousChampion: decision.previous?.version,
  };
  return decision;
}

/**
 * Promotion of a version without an out-of-time evaluation (a history shorter than two horizons): it has
 * nothing to prove it beats an evaluated champion, so it never replaces one; it replaces no champion or
 * an unevaluated one (newer data).
 */
export function unevaluatedVerdict(current: ChampionPointer | undefined): {
  promoted: boolean;
  reason: string;
} {
  if (!current)
    return { promoted: true, reason: 'no champion yet (this version was not evaluated out of time)' };
  if (current.evaluated === false)
    return {
      promoted: true,
      reason: 'neither this version nor the champion was evaluated out of time: the newer data wins',
    };
  return {
    promoted: false,
    reason: 'this version was not evaluated out of time (too short a history): an evaluated champion is kept',
  };
}

/**
 * A champion judged by the metrics recorded when it was promoted (`champion.json`), with the reason it
 * was not re-scored on the challenger's evaluation rows.
 */
export function recordedChampion(
  pointer: ChampionPointer,
  note: string,
  inSampleMetrics?: Metrics,
): ChampionEvaluation {
  return {
    version: pointer.version,
    basis: 'recorded',
    metrics: { gini: pointer.gini, decileMape: pointer.decileMape },
    inSampleMetrics,
    note,
  };
}
