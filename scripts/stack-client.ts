import { setTimeout as sleep } from 'node:timers/promises';
import type { IngestReport } from '../lib/ingest';
import { getJson } from '../lib/store/blob-store';
import { ingestKeys } from '../lib/store/bucket-layout';
import { createS3BlobStore } from '../lib/store/s3-store';
import { localStack } from './local-stack';

/** The local stack's data bucket, as the Lambdas see it. */
export const bucketStore = createS3BlobStore({
  s3Endpoint: localStack.s3Endpoint,
  dataBucket: localStack.bucket,
});

/** A dataset name no other test (or earlier run on the same S3 directory) uses. */
export function uniqueDataset(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Poll until the ingest report of `uploads/<dataset>/<source>.csv[.gz]` exists (the trigger ran). */
export async function waitForReport(
  dataset: string,
  source: string,
  timeoutMs = 60_000,
): Promise<IngestReport> {
  const key = ingestKeys(dataset, source).report;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await readWhole<IngestReport>(key);
    if (report) return report;
    if (Date.now() > deadline)
      throw new Error(`no ${key} within ${timeoutMs / 1000} s: the S3 trigger did not run`);
    await sleep(200);
  }
}

/**
 * The parsed JSON object at `key`, or `undefined` while it is absent or still being written: s3rver
 * (unlike S3) can serve an object whose body is not fully on disk yet.
 */
async function readWhole<T>(key: string): Promise<T | undefined> {
  try {
    return await getJson<T>(bucketStore, key);
  } catch (e: unknown) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** Invoke a function through serverless offline's Lambda endpoint, as `aws lambda invoke` would. */
export async function invokeFunction(
  name: 'preprocess' | 'train' | 'predict',
  event: unknown,
  timeoutMs = 120_000,
): Promise<{ status: number; payload: unknown }> {
  const response = await fetch(
    `${localStack.lambdaEndpoint}/2015-03-31/functions/${localStack.functionName(name)}/invocations`,
    { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(timeoutMs) },
  );
  return { status: response.status, payload: await response.json() };
}
