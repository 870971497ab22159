import { createHash } from 'node:crypto';
import { type BlobStore, getJson, getText, putJson } from '../store/blob-store';
import { ingestKeys, mappingKey, parseUploadKey } from '../store/bucket-layout';
import { type ColumnMapping, ColumnMappingError, validateColumnMapping } from './column-mapping';
import type { IngestReport } from './ingest-core';
import { ingestStream } from './ingest-source';

/**
 * Ingest `uploads/<dataset>/<name>.csv[.gz]` from `store` (the S3-triggered preprocess step). An optional
 * `uploads/<dataset>/_mapping.json` gives an explicit column mapping. Idempotent: when the report of
 * this source already records the same upload etag and mapping, it is returned without redoing work,
 * so a redelivered event counts nothing twice. Never writes under `uploads/`.
 * @throws {NotAnUploadError} for keys outside that pattern; {@link BlobNotFoundError} if the upload is gone.
 */
export async function ingestUpload(store: BlobStore, key: string): Promise<IngestReport> {
  const { dataset, source, gzip } = parseUploadKey(key);
  const keys = ingestKeys(dataset, source);
  const info = await store.head(key);
  const mappingText = await getText(store, mappingKey(dataset));
  const mappingHash =
    mappingText === undefined ? undefined : createHash('sha1').update(mappingText).digest('hex').slice(0, 16);

  const previous = await getJson<IngestReport>(store, keys.report);
  if (info && previous && previous.sourceEtag === info.etag && previous.mappingHash === mappingHash)
    return previous;

  let mapping: ColumnMapping | undefined;
  try {
    mapping = mappingText === undefined ? undefined : validateColumnMapping(JSON.parse(mappingText));
  } catch (e: unknown) {
    if (!(e instanceof ColumnMappingError) && !(e instanceof SyntaxError)) throw e;
    return writeInvalidMappingReport(
      store,
      { dataset, source, key, etag: info?.etag, mappingHash },
      e.message,
    );
  }
  return ingestStream({
    open: () => store.getStream(key),
    dataset,
    source,
    sourceKey: key,
    ...(info && { sourceEtag: info.etag }),
    ...(mappingHash !== undefined && { mappingHash }),
    gzip: gzip ? true : undefined,
    out: store,
    mapping,
  });
}

async function writeInvalidMappingReport(
  store: BlobStore,
  at: {
    dataset: string;
    source: string;
    key: string;
    etag: string | undefined;
    mappingHash: string | undefined;
  },
  message: string,
): Promise<IngestReport> {
  const keys = ingestKeys(at.dataset, at.source);
  const report: IngestReport = {
    dataset: at.dataset,
    source: at.source,
    sourceKey: at.key,
    ...(at.etag !== undefined && { sourceEtag: at.etag }),
    ...(at.mappingHash !== undefined && { mappingHash: at.mappingHash }),
    kind: undefined,
    status: 'failed',
    failureCode: 'invalid_mapping',
    failureReason: `${mappingKey(at.dataset)} is invalid: ${message}`,
    rowsRead: 0,
    rowsAccepted: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    customers: 0,
    amountTotal: 0,
    duplicateRows: { withinFile: 0, acrossFiles: 0 },
    schema: {},
    outputs: {},
    durationMs: 0,
  };
  await Promise.all([keys.normalized, keys.quarantine, keys.rowHashes].map((k) => store.delete(k)));
  await putJson(store, keys.report, report);
  return report;
}
