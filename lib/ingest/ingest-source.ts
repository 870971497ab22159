import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type BlobStore, putJson } from '../store/blob-store';
import { ingestKeys, ingestReportsPrefix } from '../store/bucket-layout';
import type { ColumnMapping } from './column-mapping';
import { type CoreResult, type IngestReport, ingestBatch, rowsHeldElsewhere } from './ingest-core';
import { type IngestSession, withIngestSession } from './ingest-session';

/** A column of the normalized Parquet files. */
export interface ParquetColumnSpec {
  name: string;
  type: 'string' | 'double' | 'timestamp' | 'int64';
  nullable: boolean;
}

/** Columns of `normalized/<dataset>/<source>.parquet` for transactions, in order (docs/contracts.md). */
export const TRANSACTION_PARQUET_COLUMNS: readonly ParquetColumnSpec[] = [
  { name: 'customer_id', type: 'string', nullable: false },
  { name: 'ts', type: 'timestamp', nullable: false },
  { name: 'amount', type: 'double', nullable: false },
  { name: 'order_id', type: 'string', nullable: true },
  { name: 'quantity', type: 'double', nullable: true },
  { name: 'unit_price', type: 'double', nullable: true },
  { name: 'country', type: 'string', nullable: true },
  { name: 'channel', type: 'string', nullable: true },
  { name: 'source_line', type: 'int64', nullable: false },
];

export interface IngestStreamOptions {
  open: () => Promise<NodeJS.ReadableStream | Readable>;
  dataset: string;
  source: string;
  sourceKey?: string;
  sourceEtag?: string;
  sourceVersionId?: string;
  /** Whether the input is gzip; unset: sniffed from its magic bytes. */
  gzip?: boolean;
  out: BlobStore;
  mapping?: ColumnMapping;
  /** Recorded in the report so a changed mapping is not mistaken for a repeat (see ingestUpload). */
  mappingHash?: string;
  onProgress?: (rowsRead: number, bytesRead: number) => void;
  /** The DuckDB session to run in (the CLI shares one across its files); default: one of its own. */
  session?: IngestSession;
  /**
   * Guards of a source that may be replaced while it is read (an upload): `stillCurrent` is asked before
   * any output is written (false: nothing is written, the report says `superseded_upload`), and the report,
   * the commit marker, is written only if the one in the store still has `reportEtag` (null: none yet),
   * else {@link PreconditionFailedError} is thrown (see ingestUpload).
   */
  commit?: { stillCurrent: () => Promise<boolean>; reportEtag: string | null };
}

/**
 * Ingest one source into `out`: `normalized/<dataset>/<source>.parquet` (accepted rows),
 * `quarantine/<dataset>/<source>.csv` (rejected rows, only when there are some), the row hashes and, last,
 * as the commit marker, `reports/ingest/<dataset>/<source>.json`. Outputs are built in a temporary
 * directory and uploaded whole, so a failure leaves no partial output; a failed source also loses any
 * older outputs of the same name, so readers never mix them with the failed report. Rows another source
 * of the dataset holds too are counted (`duplicateRows.acrossFiles`) by comparing row hashes in SQL.
 */
export async function ingestStream(options: IngestStreamOptions): Promise<IngestReport> {
  return (await ingestStreams([options], options.session))[0] as IngestReport;
}

/**
 * {@link ingestStream} for several sources at once (the CLI's files), in one DuckDB session: their rows are
 * read and checked together (ingestBatch), then each source's outputs and report are written in order.
 * Sources must all go to the same store and dataset.
 */
export async function ingestStreams(
  sources: readonly IngestStreamOptions[],
  session?: IngestSession,
): Promise<IngestReport[]> {
  const started = performance.now();
  const dirs = await Promise.all(sources.map(() => mkdtemp(join(tmpdir(), 'valuecast-ingest-'))));
  try {
    return await withIngestSession(async (session) => {
      const cores = await ingestBatch(
        sources.map((options, i) => ({
          open: options.open,
          gzip: options.gzip,
          mapping: options.mapping,
          onProgress: options.onProgress,
          dir: dirs[i] as string,
          rowHashesKey: ingestKeys(options.dataset, options.source).rowHashes,
        })),
        session,
      );
      const first = sources[0];
      if (first)
        await session.syncKnownHashes(first.out, ingestReportsPrefix(first.dataset), session.tempDir);
      const shared = await rowsHeldElsewhere(session);
      // Sources read together share the batch's time: each report gets its share plus its own writes.
      const share = (performance.now() - started) / sources.length;
      const reports: IngestReport[] = [];
      const written = new Map<string, string>();
      for (const [i, options] of sources.entries()) {
        const core = cores[i] as CoreResult;
        reports.push(await commitSource(options, core, shared.get(i) ?? 0, share, written));
      }
      await session.rememberBatch(written);
      return reports;
    }, session);
  } finally {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Write one source's outputs and, last, its report; `written` gets the etag of its row-hash list. */
async function commitSource(
  options: IngestStreamOptions,
  core: CoreResult,
  acrossFiles: number,
  readMs: number,
  written: Map<string, string>,
): Promise<IngestReport> {
  const started = performance.now() - readMs;
  const keys = ingestKeys(options.dataset, options.source);
  const report: IngestReport = {
    dataset: options.dataset,
    source: options.source,
    ...(options.sourceKey !== undefined && { sourceKey: options.sourceKey }),
    ...(options.sourceEtag !== undefined && { sourceEtag: options.sourceEtag }),
    ...(options.sourceVersionId !== undefined && { sourceVersionId: options.sourceVersionId }),
    ...(options.mappingHash !== undefined && { mappingHash: options.mappingHash }),
    ...core.report,
    outputs: {},
    durationMs: 0,
  };
  if (options.commit && !(await options.commit.stillCurrent())) return superseded(report);
  const { files } = core;
  if (report.status === 'ok' && files) {
    await options.out.put(keys.normalized, createReadStream(files.normalized), {
      contentType: 'application/vnd.apache.parquet',
    });
    report.outputs.normalized = keys.normalized;
    if (files.quarantine) {
      await options.out.put(keys.quarantine, createReadStream(files.quarantine), { contentType: 'text/csv' });
      report.outputs.quarantine = keys.quarantine;
    } else await options.out.delete(keys.quarantine);
    report.duplicateRows.acrossFiles = acrossFiles;
    await options.out.put(keys.rowHashes, createReadStream(files.rowHashes), {
      contentType: 'application/vnd.apache.parquet',
    });
    const list = await options.out.head(keys.rowHashes);
    if (list) written.set(keys.rowHashes, list.etag);
  } else {
    await Promise.all([keys.normalized, keys.quarantine, keys.rowHashes].map((k) => options.out.delete(k)));
  }
  report.durationMs = Math.round(performance.now() - started);
  await putJson(
    options.out,
    keys.report,
    report,
    options.commit ? { ifMatch: options.commit.reportEtag } : undefined,
  );
  return report;
}

/** The report of a read that a newer upload of the same key overtook: nothing of it is written. */
function superseded(report: IngestReport): IngestReport {
  return {
    ...report,
    status: 'failed',
    failureCode: 'superseded_upload',
    failureReason: `${report.sourceKey ?? report.source} changed while it was read: the newer upload is ingested instead`,
    outputs: {},
  };
}
