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
import { countMetric, errorText, logger, METRIC, telemetry } from './shared/telemetry';

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
  return middy<TrainEvent, TrainResult>()
    .use(telemetry())
    .handler(async (event) => {
      const bucket = store();
      const result: TrainResult = { trained: [], skipped: [] };
      const run = async (dataset: string, fingerprint?: { fingerprint: string; files: number }) => {
        const started = performance.now();
        logger.info('training started', { dataset });
        const outcome = await train(bucket, dataset, { fingerprint, onProgress: logProgress(dataset) });
        countMetric(METRIC.trainingSucceeded);
        if (outcome.promoted) countMetric(METRIC.modelPromoted);
        if (outcome.meta.flags?.length) countMetric(METRIC.modelFlagged);
        logger.info('training finished', {
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
        try {
          await run(event.dataset);
        } catch (e: unknown) {
          countMetric(METRIC.trainingFailed);
          throw e;
        }
        return result;
      }
      for (const dataset of await datasetsWithNormalizedData(bucket)) {
        // One dataset's failure (even reading its fingerprint or its champion) never stops the others.
        try {
          const fingerprint = await normalizedDataFingerprint(bucket, dataset);
          const unchanged = await unchangedReason(bucket, dataset, fingerprint.fingerprint);
          if (unchanged) {
            logger.info('training skipped', { dataset, reason: unchanged });
            result.skipped.push({ dataset, reason: unchanged });
            continue;
          }
          await run(dataset, fingerprint);
        } catch (e: unknown) {
          countMetric(METRIC.trainingFailed);
          const reason = `training failed: ${errorText(e)}`;
          logger.error('training failed', { dataset, error: reason });
          result.skipped.push({ dataset, reason });
        }
      }
      if (result.trained.length === 0 && result.skipped.length === 0)
        logger.info('nothing to train', { reason: 'no dataset has normalized data' });
      return result;
    });
}

/** Progress as JSON log lines: every phase message, and each epoch with its losses. */
function logProgress(dataset: string) {
  return ({ phase, message, rows, epoch }: TrainingProgress) =>
    logger.info('training progress', {
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
