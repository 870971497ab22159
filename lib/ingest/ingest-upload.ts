import { createHash } from 'node:crypto';
import path from 'node:path';
import { type BlobStore, getJson, getText, PreconditionFailedError, putJson } from '../store/blob-store';
import { ingestKeys, mappingKey, parseUploadKey } from '../store/bucket-layout';
import { type ColumnMapping, ColumnMappingError, validateColumnMapping } from './column-mapping';
import { failedReport, type IngestReport } from './ingest-core';
import type { IngestSession } from './ingest-session';
import { ingestStream } from './ingest-source';
import { UnusableInputError } from './sniff';

/** Times an ingest starts again when another ingest of the same source committed while it ran. */
const COMMIT_ATTEMPTS = 3;

/**
 * Ingest `uploads/<dataset>/<name>.csv[.gz]` from `store` (the S3-triggered preprocess step). An optional
 * `uploads/<dataset>/_mapping.json` gives an explicit column mapping. Never writes under `uploads/`.
 * - Idempotent: when the report of this source already records the etag of the object this call reads
 *   (the GET's own, not a separate HEAD's) and the same mapping, it is returned without redoing work, so a
 *   redelivered event counts nothing twice.
 * - Re-uploads: the report names the version read (etag, and version id on a versioned bucket). If the key
 *   changes while it is read, nothing is written (`superseded_upload`: the new upload's own event ingests
 *   it); if another ingest of the source commits meanwhile, this one starts again, so the last report
 *   written is the newest upload's, with its outputs.
 * - `x.csv`, `x.CSV` and `x.csv.gz` name the same source (`x`): the most recently modified of them is the
 *   source, and an older one is not ingested (`superseded_upload`), whatever order their events come in.
 * @throws {NotAnUploadError} for keys outside that pattern; {@link BlobNotFoundError} if the upload is gone.
 */
export async function ingestUpload(
  store: BlobStore,
  key: string,
  session?: IngestSession,
): Promise<IngestReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ingestUploadOnce(store, key, session);
    } catch (e: unknown) {
      if (!(e instanceof PreconditionFailedError) || attempt >= COMMIT_ATTEMPTS) throw e;
    }
  }
}

async function ingestUploadOnce(
  store: BlobStore,
  key: string,
  session: IngestSession | undefined,
): Promise<IngestReport> {
  const { dataset, source, gzip } = parseUploadKey(key);
  const keys = ingestKeys(dataset, source);
  const reportInfo = await store.head(keys.report);
  const previous = reportInfo && (await getJson<IngestReport>(store, keys.report));
  const mappingText = await getText(store, mappingKey(dataset));
  const mappingHash =
    mappingText === undefined ? undefined : createHash('sha1').update(mappingText).digest('hex').slice(0, 16);

  const { body, info } = await store.open(key);
  const newer = await newerVariant(store, key, info.lastModified);
  if (newer !== undefined) {
    body.destroy();
    return notIngested(
      dataset,
      source,
      key,
      info.etag,
      'superseded_upload',
      `${newer} is a newer upload of the same source: it is ingested instead`,
    );
  }
  if (
    previous &&
    previous.sourceKey === key &&
    previous.sourceEtag === info.etag &&
    previous.mappingHash === mappingHash
  ) {
    body.destroy();
    return previous;
  }
  const commit = {
    reportEtag: reportInfo?.etag ?? null,
    stillCurrent: async () => (await store.head(key))?.etag === info.etag,
  };

  let mapping: ColumnMapping | undefined;
  try {
    mapping = mappingText === undefined ? undefined : validateColumnMapping(JSON.parse(mappingText));
  } catch (e: unknown) {
    body.destroy();
    if (!(e instanceof ColumnMappingError) && !(e instanceof SyntaxError)) throw e;
    const report = notIngested(
      dataset,
      source,
      key,
      info.etag,
      'invalid_mapping',
      `${mappingKey(dataset)} is invalid: ${e.message}`,
    );
    if (mappingHash !== undefined) report.mappingHash = mappingHash;
    await Promise.all([keys.normalized, keys.quarantine, keys.rowHashes].map((k) => store.delete(k)));
    await putJson(store, keys.report, report, { ifMatch: commit.reportEtag });
    return report;
  }
  return ingestStream({
    open: async () => body,
    dataset,
    source,
    sourceKey: key,
    sourceEtag: info.etag,
    ...(info.versionId !== undefined && { sourceVersionId: info.versionId }),
    ...(mappingHash !== undefined && { mappingHash }),
    gzip: gzip ? true : undefined,
    out: store,
    mapping,
    commit,
    ...(session && { session }),
  });
}

/** Upload names of one source: `x.csv`, `x.CSV`, `x.csv.gz`, `x.Csv.GZ` … all read as source `x`. */
const VARIANT = /\.csv(\.gz)?$/i;

/**
 * Another upload of the same source (the same name but for the case of `.csv` and a `.gz`) modified later
 * than `lastModified` (or at the same time, with a key that sorts later): the one that wins.
 */
async function newerVariant(store: BlobStore, key: string, lastModified: Date): Promise<string | undefined> {
  const stem = key.replace(VARIANT, '');
  const folder = `${path.posix.dirname(key)}/`;
  for await (const other of store.list(folder)) {
    if (other.key === key || other.key.replace(VARIANT, '') !== stem || !VARIANT.test(other.key)) continue;
    const t = other.lastModified.getTime();
    if (t > lastModified.getTime() || (t === lastModified.getTime() && other.key > key)) return other.key;
  }
  return undefined;
}

function notIngested(
  dataset: string,
  source: string,
  key: string,
  etag: string | undefined,
  code: string,
  reason: string,
): IngestReport {
  return {
    dataset,
    source,
    sourceKey: key,
    ...(etag !== undefined && { sourceEtag: etag }),
    ...failedReport(undefined, {}, new UnusableInputError(code, reason)),
    outputs: {},
    durationMs: 0,
  };
}
