import middy from '@middy/core';
import type { Metrics } from '../lib/evaluate/metrics';
import { isCustomerTableMeta } from '../lib/registry/model-meta';
import type { BlobStore } from '../lib/store/blob-store';
import { assertDatasetName } from '../lib/store/bucket-layout';
import { normalizedDataFingerprint } from '../lib/training/data-fingerprint';
import type { TrainingProgress } from '../lib/training/train-dataset';
import {
  datasetsWithNormalizedData,
  trainStoredDataset,
  unchangedReason,
} from '../lib/training/train-stored-dataset';
import { dataStore } from './shared/data-store';
import { logEvent } from './shared/log';

/** Direct invoke: `{"dataset": "shop"}`. Anything without `dataset` (the EventBridge schedule) trains what changed. */
export type TrainEvent = Record<string, unknown> | null;

export interface TrainResult {
  /** `metrics` absent: the version was trained without an out-of-time evaluation (too short a history). */
  trained: { dataset: string; version: string; promoted: boolean; reason: string; metrics?: Metrics }[];
  skipped: { dataset: string; reason: string }[];
}

export type TrainOne = typeof trainStoredDataset;

/**
 * The train handler (transaction logs and labelled customer tables alike: lib/training/train-stored-dataset.ts
 * tells them apart): a direct invoke trains the named dataset (and fails with a clear error for one without
 * normalized data); the schedule trains every dataset whose normalized data changed since its last model,
 * one after another, logging and skipping one that fails so the others still train.
 */
export function createTrainHandler(store: () => BlobStore, train: TrainOne = trainStoredDataset) {
  return middy<TrainEvent, TrainResult>().handler(async (event) => {
    const bucket = store();
    const result: TrainResult = { trained: [], skipped: [] };
    const run = async (dataset: string, fingerprint?: { fingerprint: string; files: number }) => {
      const started = performance.now();
      logEvent('info', 'training started', { dataset });
      const outcome = await train(bucket, dataset, { fingerprint, onProgress: logProgress(dataset) });
      logEvent('info', 'training finished', {
        dataset,
        modelVersion: outcome.version,
        promoted: outcome.promoted,
        reason: outcome.reason,
        inputKind: isCustomerTableMeta(outcome.meta) ? 'customer-table' : 'transactions',
        gini: outcome.metrics?.gini,
        backend: outcome.meta.backend,
        durationMs: Math.round(performance.now() - started),
      });
      const { version, promoted, reason, metrics } = outcome;
      result.trained.push({ dataset, version, promoted, reason, metrics });
    };

    if (event && typeof event === 'object' && 'dataset' in event) {
      assertDatasetName(event.dataset);
      await run(event.dataset);
      return result;
    }
    for (const dataset of await datasetsWithNormalizedData(bucket)) {
      const fingerprint = await normalizedDataFingerprint(bucket, dataset);
      const unchanged = await unchangedReason(bucket, dataset, fingerprint.fingerprint);
      if (unchanged) {
        logEvent('info', 'training skipped', { dataset, reason: unchanged });
        result.skipped.push({ dataset, reason: unchanged });
        continue;
      }
      try {
        await run(dataset, fingerprint);
      } catch (e: unknown) {
        const reason = `training failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
        logEvent('error', 'training failed', { dataset, error: reason });
        result.skipped.push({ dataset, reason });
      }
    }
    if (result.trained.length === 0 && result.skipped.length === 0)
      logEvent('info', 'nothing to train', { reason: 'no dataset has normalized data' });
    return result;
  });
}

/** Progress as JSON log lines: every phase message, and each epoch with its losses. */
function logProgress(dataset: string) {
  return ({ phase, message, rows, epoch }: TrainingProgress) =>
    logEvent('info', 'training progress', {
      dataset,
      phase,
      step: message,
      rows,
      epoch: epoch?.epoch,
      trainLoss: epoch?.trainLoss,
      validationLoss: epoch?.validationLoss,
      epochSeconds: epoch?.seconds,
    });
}

export const handler = createTrainHandler(dataStore);
