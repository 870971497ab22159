import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/** The CloudWatch namespace of valuecast's own metrics. */
export const METRICS_NAMESPACE = 'valuecast';

/**
 * The CloudWatch metrics the functions emit (embedded metric format, namespace `valuecast`, dimension
 * `service` = `valuecast-<stage>`), and that serverless.yml's alarms watch: the names are the contract
 * between the two (test/integration/package.test.ts checks every alarm names one of these).
 */
export const METRIC = {
  /** preprocess: an upload ingested (status ok). */
  uploadIngested: 'UploadIngested',
  /** preprocess: an upload refused by ingest (status failed: its report says why; not retried). */
  uploadRefused: 'UploadRefused',
  /** preprocess: an upload that could not be ingested (an error: Lambda retries, then the DLQ). */
  uploadError: 'UploadError',
  /** preprocess: rows rejected into quarantine. */
  rowsRejected: 'RowsRejected',
  /** train: a dataset trained and published. */
  trainingSucceeded: 'TrainingSucceeded',
  /** train: a dataset whose training failed (the schedule logs it and goes on: no Lambda error). */
  trainingFailed: 'TrainingFailed',
  /** train: a version promoted to champion. */
  modelPromoted: 'ModelPromoted',
  /** train: a version flagged in its meta.json (e.g. ranks worse than the last-window baseline). */
  modelFlagged: 'ModelFlagged',
  /** predict: a champion that could not be loaded (corrupt pointer, unreadable version). */
  championLoadFailed: 'ChampionLoadFailed',
  /** predict: a request answered 500 (handled: not a Lambda error). */
  apiInternalError: 'ApiInternalError',
} as const;

/** Powertools' JSON lines with the level in lower case, as valuecast's log queries and tests read it. */
class ValuecastLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

/**
 * One Logger and one Metrics per execution environment (Powertools for AWS Lambda). The service name (the
 * metrics' `service` dimension) comes from `POWERTOOLS_SERVICE_NAME`, `valuecast-<stage>` (serverless.yml);
 * with `POWERTOOLS_DEV` set (the unit tests) logs go to the global console and metrics are not printed.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'valuecast';
export const logger = new Logger({ serviceName, logFormatter: new ValuecastLogFormatter() });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });

/** Fields of a structured log line; keep them to identifiers and counts, never customer data. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The message of an error for a log line (`Name: message`), never its stack or the data it carried. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Count one occurrence (or `value`) of a metric of {@link METRIC}. */
export function countMetric(name: (typeof METRIC)[keyof typeof METRIC], value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Middy middleware: the invocation's request id on every log line, and the metrics counted during the
 * invocation published when it ends, failed or not (none published when none were counted, so no
 * empty-metrics warning).
 */
export function telemetry<Event, Result>(): MiddlewareObj<Event, Result> {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: (request) => {
      logger.addContext(request.context);
    },
    after: publish,
    onError: publish,
  };
}
