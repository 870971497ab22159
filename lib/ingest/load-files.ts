import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ColumnMapping } from './column-mapping';
import { type IngestReport, ingestCore, type RowConsumer } from './ingest-core';
import { countSharedAcross } from './row-hashes';
import { UnusableInputError } from './sniff';
import { type TransactionInput, type TransactionTable, TransactionTableBuilder } from './transaction-table';

const DATA_FILE = /\.(csv|txt|tsv)(\.gz)?$/i;

/** Expand files and directories (every .csv/.txt/.tsv[.gz] directly inside, sorted) into file paths. */
export async function expandInputPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const names = (await readdir(p, { withFileTypes: true }))
        .filter((e) => e.isFile() && DATA_FILE.test(e.name))
        .map((e) => e.name)
        .sort();
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  return files;
}

/** Source name of a file: its base name without `.csv`, `.txt`, `.tsv` and `.gz`. */
export function sourceNameOf(path: string): string {
  return basename(path)
    .replace(/\.gz$/i, '')
    .replace(/\.(csv|txt|tsv)$/i, '');
}

/** A source failed after some of its rows were read (e.g. a gzip truncated part-way). */
export class SourceFailedError extends Error {
  constructor(readonly report: IngestReport) {
    super(`${report.sourceKey ?? report.source}: ${report.failureReason ?? 'failed'}`);
    this.name = 'SourceFailedError';
  }
}

/** Failure code of a customer-table file read as transactions (lib/ingest/load-customer-table.ts reads it). */
export const NOT_TRANSACTIONS = 'not_transactions';

export interface LoadOptions {
  columns?: ColumnMapping;
  onProgress?: (rowsRead: number, bytesRead: number, file: string) => void;
}

/**
 * Read transaction files (or directories of them) into one {@link TransactionTable}, with the same
 * parse/sniff/validate code as ingestion, writing nothing. A customer-table file is reported as `failed`
 * (it holds no transactions); other files that fail before any row are reported and skipped, so check
 * `reports`.
 * @throws {SourceFailedError} when a file fails after rows of it were read.
 */
export async function loadTransactionsFromFiles(
  paths: string[],
  options: LoadOptions = {},
): Promise<{ table: TransactionTable; reports: IngestReport[] }> {
  const builder = new TransactionTableBuilder(1 << 16);
  const input: TransactionInput = { customerId: '', time: 0, amount: 0, orderId: undefined, categories: {} };
  const categories = input.categories as Record<string, string | undefined>;
  const reports = await ingestLocalFiles(
    paths,
    options,
    () => builder.length,
    () => ({
      begin(layout) {
        // Refused at the layout: a customer table is not parsed for rows it cannot give.
        if (layout.kind === 'customer-table')
          throw new UnusableInputError(
            NOT_TRANSACTIONS,
            'this file is a customer table (one row per customer), not a transaction log',
          );
      },
      transaction(row) {
        input.customerId = row.customerId;
        input.time = row.time;
        input.amount = row.amount;
        input.orderId = row.orderId ?? undefined;
        categories.country = row.country ?? undefined;
        categories.channel = row.channel ?? undefined;
        builder.add(input);
      },
      customerRow() {},
      reject() {},
    }),
  );
  return { table: builder.build(), reports };
}

/**
 * Read local files through the ingest code, writing nothing: each file's rows go to the consumer made for
 * it, and its full report is kept; duplicate rows across files are counted once all are read.
 * @param rowsTaken how many rows the caller's table holds: a file that failed after some of its rows were
 *   taken throws {@link SourceFailedError} (the table cannot take rows back).
 */
export async function ingestLocalFiles(
  paths: readonly string[],
  options: LoadOptions,
  rowsTaken: () => number,
  consumerFor: (file: string) => RowConsumer,
): Promise<IngestReport[]> {
  const reports: IngestReport[] = [];
  const hashLists: Float64Array[] = [];
  for (const file of await expandInputPaths(paths)) {
    const started = performance.now();
    const before = rowsTaken();
    const { report, rowHashes } = await ingestCore(
      {
        open: async () => createReadStream(file),
        mapping: options.columns,
        onProgress: options.onProgress && ((rows, bytes) => options.onProgress?.(rows, bytes, file)),
      },
      consumerFor(file),
    );
    const full: IngestReport = {
      dataset: 'local',
      source: sourceNameOf(file),
      sourceKey: file,
      ...report,
      outputs: {},
      durationMs: Math.round(performance.now() - started),
    };
    if (rowsTaken() !== before && full.status !== 'ok') throw new SourceFailedError(full);
    reports.push(full);
    hashLists.push(full.status === 'ok' ? rowHashes : new Float64Array(0));
  }
  countSharedAcross(hashLists).forEach((shared, i) => {
    const report = reports[i];
    if (report) report.duplicateRows.acrossFiles = shared;
  });
  return reports;
}
