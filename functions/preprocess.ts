import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { type IngestReport, ingestUpload } from '../lib/ingest';
import type { BlobStore } from '../lib/store/blob-store';
import { dataStore } from './shared/data-store';
import { objectKeyOf } from './shared/s3-keys';
import { countMetric, errorText, logger, METRIC, telemetry } from './shared/telemetry';

/** What the handler did with one record of the event. */
export interface RecordOutcome {
  key: string;
  status: IngestReport['status'];
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
}

export interface PreprocessResult {
  processed: RecordOutcome[];
}

/** Some records of an S3 event could not be ingested; Lambda retries the event (ingest is idempotent). */
export class PreprocessFailedError extends Error {
  constructor(readonly keys: string[]) {
    super(`could not ingest ${keys.length} object(s): ${keys.join(', ')}`);
    this.name = 'PreprocessFailedError';
  }
}

export interface PreprocessDependencies {
  store: () => BlobStore;
  ingest: (store: BlobStore, key: string) => Promise<IngestReport>;
}

/**
 * The preprocess handler over given dependencies: every record of the event is ingested, a failing
 * record is logged and does not stop the others, and the event then fails as a whole naming the
 * failed keys so Lambda retries it. A file that ingest rejects (status `failed`) is an answer, not an
 * error: its report says why, and retrying would not change it.
 */
export function createPreprocessHandler({ store, ingest }: PreprocessDependencies) {
  return middy<S3Event, PreprocessResult>()
    .use(telemetry())
    .handler(async (event) => {
      const processed: RecordOutcome[] = [];
      const failed: string[] = [];
      for (const record of event.Records ?? []) {
        const started = performance.now();
        let key = record.s3.object.key;
        try {
          key = objectKeyOf(record);
          const report = await ingest(store(), key);
          const outcome = {
            key,
            status: report.status,
            rowsRead: report.rowsRead,
            rowsAccepted: report.rowsAccepted,
            rowsRejected: report.rowsRejected,
          };
          processed.push(outcome);
          countMetric(report.status === 'ok' ? METRIC.uploadIngested : METRIC.uploadRefused);
          if (report.rowsRejected > 0) countMetric(METRIC.rowsRejected, report.rowsRejected);
          logger[report.status === 'ok' ? 'info' : 'warn']('upload ingested', {
            dataset: report.dataset,
            source: report.source,
            ...outcome,
            failureReason: report.failureReason,
            durationMs: Math.round(performance.now() - started),
          });
        } catch (e: unknown) {
          failed.push(key);
          countMetric(METRIC.uploadError);
          logger.error('upload not ingested', {
            key,
            error: errorText(e),
            durationMs: Math.round(performance.now() - started),
          });
        }
      }
      if (failed.length > 0) throw new PreprocessFailedError(failed);
      return { processed };
    });
}

export const handler = createPreprocessHandler({ store: dataStore, ingest: ingestUpload });
