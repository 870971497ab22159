import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BlobStore, putJson } from '../store/blob-store';
import { ingestKeys, ingestReportsPrefix, isRowHashesKey } from '../store/bucket-layout';
import type { ColumnMapping } from './column-mapping';
import { type IngestReport, ingestCore, type RowConsumer, type TransactionRow } from './ingest-core';
import { type ParquetColumnSpec, ParquetFileWriter } from './parquet-file';
import { QuarantineFileWriter } from './quarantine-file';
import { countSharedWithAny, decodeHashes, encodeHashes, type SortedHashes } from './row-hashes';
import type { FileLayout } from './sniff';

/** Columns of `normalized/<dataset>/<source>.parquet` for transactions, in order. */
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
  /** Whether the input is gzip; unset: sniffed from its magic bytes. */
  gzip?: boolean;
  out: BlobStore;
  mapping?: ColumnMapping;
  /** Recorded in the report so a changed mapping is not mistaken for a repeat (see ingestUpload). */
  mappingHash?: string;
  onProgress?: (rowsRead: number, bytesRead: number) => void;
  /** Row hashes held in memory before sorted runs spill to the temporary directory (default 1M: 8 MB). */
  rowHashesInMemory?: number;
}

/**
 * Ingest one source into `out`: `normalized/<dataset>/<source>.parquet` (accepted rows),
 * `quarantine/<dataset>/<source>.csv` (rejected rows, only when there are some) and, last, as the commit
 * marker, `reports/ingest/<dataset>/<source>.json`. Outputs are built in temporary files and uploaded
 * whole, so a failure leaves no partial output; a failed source also loses any older outputs of the same
 * name, so readers never mix them with the failed report.
 */
export async function ingestStream(options: IngestStreamOptions): Promise<IngestReport> {
  const started = performance.now();
  const keys = ingestKeys(options.dataset, options.source);
  const temp = await mkdtemp(join(tmpdir(), 'valuecast-ingest-'));
  const parquetPath = join(temp, 'normalized.parquet');
  const quarantinePath = join(temp, 'quarantine.csv');
  let parquet: ParquetFileWriter | undefined;
  let quarantine: QuarantineFileWriter | undefined;
  try {
    const consumer = parquetConsumer((layout) => {
      parquet = new ParquetFileWriter(parquetPath, parquetColumnsOf(layout));
      quarantine = new QuarantineFileWriter(quarantinePath, layout.columnNames);
      return { parquet, quarantine };
    });
    const {
      report: core,
      rowHashes,
      rowHashFile,
    } = await ingestCore(
      { ...options, rowHashSpill: { dir: temp, at: options.rowHashesInMemory } },
      consumer,
    );
    const distinct: SortedHashes = rowHashFile ?? rowHashes;
    const report: IngestReport = {
      dataset: options.dataset,
      source: options.source,
      ...(options.sourceKey !== undefined && { sourceKey: options.sourceKey }),
      ...(options.sourceEtag !== undefined && { sourceEtag: options.sourceEtag }),
      ...(options.mappingHash !== undefined && { mappingHash: options.mappingHash }),
      ...core,
      outputs: {},
      durationMs: 0,
    };
    if (report.status === 'ok' && parquet && quarantine) {
      parquet.finish();
      quarantine.finish();
      await options.out.put(keys.normalized, createReadStream(parquetPath), {
        contentType: 'application/vnd.apache.parquet',
      });
      report.outputs.normalized = keys.normalized;
      if (report.rowsRejected > 0) {
        await options.out.put(keys.quarantine, createReadStream(quarantinePath), { contentType: 'text/csv' });
        report.outputs.quarantine = keys.quarantine;
      } else await options.out.delete(keys.quarantine);
      report.duplicateRows.acrossFiles = await countAcrossSources(options, keys.rowHashes, distinct, temp);
      await options.out.put(
        keys.rowHashes,
        rowHashFile ? createReadStream(rowHashFile.path) : encodeHashes(rowHashes),
      );
    } else {
      await Promise.all([keys.normalized, keys.quarantine, keys.rowHashes].map((k) => options.out.delete(k)));
    }
    report.durationMs = Math.round(performance.now() - started);
    await putJson(options.out, keys.report, report);
    return report;
  } finally {
    parquet?.close();
    quarantine?.close();
    await rm(temp, { recursive: true, force: true });
  }
}

function parquetColumnsOf(layout: FileLayout): ParquetColumnSpec[] {
  if (layout.kind === 'transactions') return [...TRANSACTION_PARQUET_COLUMNS];
  const used = new Set<string>();
  return layout.columnNames.map((header, i) => {
    let name = i === layout.columns.customer ? 'customer_id' : header.trim() || `column_${i + 1}`;
    while (used.has(name)) name = `${name}_${i + 1}`;
    used.add(name);
    const type = layout.columnTypes?.[i] ?? 'string';
    return { name, type, nullable: i !== layout.columns.customer };
  });
}

/** A consumer writing accepted rows into Parquet column buffers and rejected rows into the quarantine file. */
function parquetConsumer(
  open: (layout: FileLayout) => { parquet: ParquetFileWriter; quarantine: QuarantineFileWriter },
): RowConsumer {
  let parquet: ParquetFileWriter | undefined;
  let quarantine: QuarantineFileWriter | undefined;
  return {
    begin(layout) {
      ({ parquet, quarantine } = open(layout));
    },
    transaction(row: TransactionRow) {
      const w = parquet as ParquetFileWriter;
      const i = w.row;
      const buffers = w.buffers;
      (buffers[0] as string[])[i] = row.customerId;
      (buffers[1] as Float64Array)[i] = row.time;
      (buffers[2] as Float64Array)[i] = row.amount;
      (buffers[3] as (string | null)[])[i] = row.orderId;
      (buffers[4] as Float64Array)[i] = row.quantity;
      (buffers[5] as Float64Array)[i] = row.unitPrice;
      (buffers[6] as (string | null)[])[i] = row.country;
      (buffers[7] as (string | null)[])[i] = row.channel;
      (buffers[8] as Float64Array)[i] = row.line;
      w.commitRow();
    },
    customerRow(values) {
      const w = parquet as ParquetFileWriter;
      const i = w.row;
      const buffers = w.buffers;
      for (let c = 0; c < values.length; c++) {
        const buffer = buffers[c];
        if (buffer instanceof Float64Array) buffer[i] = values[c] as number;
        else if (buffer) buffer[i] = values[c] as string | null;
      }
      w.commitRow();
    },
    reject(line, reason, fields) {
      quarantine?.add(line, reason, fields);
    },
  };
}

/** Bytes of other sources' hash lists kept in memory between ingests; larger lists are streamed to disk. */
const HASH_CACHE_BYTES = 64 * 2 ** 20;

/**
 * Row-hash lists of a store's sources, by `.rowhashes` key and etag. Keep one per process (the CLI, a
 * warm Lambda): each ingest still lists the dataset's hash files, so sources written by others are seen,
 * but only downloads the ones it has not seen at that etag. Memory is bounded: lists are cached up to
 * {@link HASH_CACHE_BYTES} in all (oldest dropped first); a list that does not fit is streamed into the
 * ingest's temporary directory and read from there a chunk at a time.
 */
class RowHashCache {
  /** In insertion order, so the first entry is the oldest. */
  private readonly byKey = new Map<string, { etag: string; hashes: Float64Array }>();
  private bytes = 0;

  /** The hash lists of every source of `prefix` but `ownKey`, fetching new or changed ones. */
  async othersUnder(store: BlobStore, prefix: string, ownKey: string, temp: string): Promise<SortedHashes[]> {
    const others: SortedHashes[] = [];
    for await (const info of store.list(prefix)) {
      if (!isRowHashesKey(info.key) || info.key === ownKey) continue;
      const cached = this.byKey.get(info.key);
      if (cached?.etag === info.etag) {
        others.push(cached.hashes);
        continue;
      }
      if (cached) this.forget(info.key);
      if (info.size <= HASH_CACHE_BYTES / 4) {
        const bytes = await store.get(info.key);
        if (!bytes) continue;
        const hashes = decodeHashes(bytes);
        this.remember(info.key, info.etag, hashes);
        others.push(hashes);
      } else {
        const path = join(temp, `other-${others.length}.rowhashes`);
        await pipeline(await store.getStream(info.key), createWriteStream(path));
        others.push({ path, count: Math.floor(info.size / 8) });
      }
    }
    return others;
  }

  private remember(key: string, etag: string, hashes: Float64Array): void {
    this.byKey.set(key, { etag, hashes });
    this.bytes += hashes.byteLength;
    for (const oldest of this.byKey.keys()) {
      if (this.bytes <= HASH_CACHE_BYTES) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.bytes -= entry.hashes.byteLength;
    this.byKey.delete(key);
  }
}

/** One per process: the CLI across its files, the preprocess Lambda across warm invocations. */
const rowHashCache = new RowHashCache();

/** Distinct rows of this source that another source of the dataset already holds. */
async function countAcrossSources(
  options: IngestStreamOptions,
  ownKey: string,
  mine: SortedHashes,
  temp: string,
): Promise<number> {
  const prefix = ingestReportsPrefix(options.dataset);
  const others = await rowHashCache.othersUnder(options.out, prefix, ownKey, temp);
  return countSharedWithAny(mine, others);
}
