import type { BgNbdFit } from '../model/bg-nbd';
import type { LabelledRows } from '../model/feature-matrix';
import type { GammaGammaFit } from '../model/gamma-gamma';
import { DAY_MS } from '../time';
import { type CustomerFeatures, containNonFinite } from './compute-features';
import type { FeatureEngine } from './feature-engine';

export interface TrainingRowsOptions {
  /** The as-of instant of the data (epoch ms, exclusive): nothing at or after it is read. */
  cutoff: number;
  horizonDays: number;
  /** How many horizons to roll back and stack (c−H, c−2H, …); default 1. */
  rollingCutoffs?: number;
  categoryTopK?: number;
  categoryLevels?: Record<string, string[]>;
}

/** One stacked window of training rows: features as of `asOf`, labels over the following horizon. */
export interface TrainingWindow {
  asOf: number;
  rows: number;
  bgNbd: BgNbdFit;
  gammaGamma: GammaGammaFit;
}

/**
 * Training rows with their provenance. `features.spec` holds the categorical levels shared by every
 * window (chosen on the most recent one) and that window's BG/NBD fit; a scorer reuses the levels and
 * refits BG/NBD on the history at its own as-of date.
 */
export interface TrainingRows extends LabelledRows {
  readonly features: CustomerFeatures;
  readonly windows: TrainingWindow[];
}

/**
 * Labelled rows by rolling back one horizon: features as of c−H (each window fitting BG/NBD on its own
 * visible history), label = net spend in [c−H, c) clipped at 0, i.e. the horizon that followed. With
 * `rollingCutoffs` = k, windows at c−H, c−2H, …, c−kH are stacked, each with its own population (the
 * customers with a transaction before that window's as-of); windows with no customer are skipped. The
 * features and labels are the engine's SQL (sql/customer-features.sql, sql/customer-net-spend.sql).
 */
export async function buildTrainingRows(
  engine: FeatureEngine,
  options: TrainingRowsOptions,
): Promise<TrainingRows> {
  const { cutoff, horizonDays } = options;
  const horizon = horizonDays * DAY_MS;
  const windows: TrainingWindow[] = [];
  const parts: { features: CustomerFeatures; label: Float32Array }[] = [];
  let categoryLevels = options.categoryLevels;
  for (let k = 1; k <= (options.rollingCutoffs ?? 1); k++) {
    const asOf = cutoff - k * horizon;
    const features = await engine.features(asOf, {
      horizonDays,
      categoryLevels,
      categoryTopK: options.categoryTopK,
    });
    if (features.rows === 0) continue;
    categoryLevels = features.spec.categoryLevels;
    const label = containNonFinite(await engine.netSpend(features.customers, asOf, asOf + horizon));
    parts.push({ features, label });
    windows.push({
      asOf,
      rows: features.rows,
      bgNbd: features.spec.bgNbd,
      gammaGamma: features.spec.gammaGamma,
    });
  }
  const first = parts[0];
  if (!first) throw new NoTrainingHistoryError(cutoff, horizonDays);
  return { features: stack(parts.map((p) => p.features)), label: concat(parts.map((p) => p.label)), windows };
}

/** Nobody had a transaction one horizon before the cutoff: there is nothing to learn from. */
export class NoTrainingHistoryError extends Error {
  constructor(cutoff: number, horizonDays: number) {
    super(
      `no customer has a transaction before ${new Date(cutoff - horizonDays * DAY_MS).toISOString().slice(0, 10)} ` +
        `(the cutoff minus the ${horizonDays}-day horizon): move the cutoff later or shorten the horizon`,
    );
    this.name = 'NoTrainingHistoryError';
  }
}

/** The backtest's truth: each customer's net spend in [asOf, asOf + H) clipped at 0. */
export function buildTruth(
  engine: FeatureEngine,
  customers: Int32Array,
  asOf: number,
  horizonDays: number,
): Promise<Float32Array> {
  return engine.netSpend(customers, asOf, asOf + horizonDays * DAY_MS).then(containNonFinite);
}

/**
 * The "spend of the last H days repeats" baseline: each customer's net spend in [asOf − H, asOf), clipped
 * at 0, is the forecast for the next H days. Reads nothing at or after `asOf`.
 */
export function predictLastWindow(
  engine: FeatureEngine,
  customers: Int32Array,
  asOf: number,
  horizonDays: number,
): Promise<Float32Array> {
  return engine.netSpend(customers, asOf - horizonDays * DAY_MS, asOf);
}

function stack(parts: CustomerFeatures[]): CustomerFeatures {
  const head = parts[0] as CustomerFeatures;
  if (parts.length === 1) return head;
  return {
    names: head.names,
    cols: head.cols,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    values: concat(parts.map((p) => p.values)),
    customers: concatInt32(parts.map((p) => p.customers)),
    spec: head.spec,
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function concatInt32(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
