import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ColumnMapping } from './column-mapping';
import { type IngestReport, ingestBatch, rowsHeldElsewhere } from './ingest-core';
import { type IngestSession, withIngestSession } from './ingest-session';
import { ingestSql } from './ingest-sql';
import { type FileLayout, UnusableInputError } from './sniff';
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

/**
 * A source failed after some of its rows were read. Files are read whole before any row is taken now, so
 * loaders no longer throw it; kept for callers that still catch it.
 */
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
 * sniff/validate code as ingestion (DuckDB), writing nothing. A row that an earlier file already holds
 * (overlapping exports) is taken once: transactions-once-across-sources.sql. A customer-table file is
 * reported as `failed` (it holds no transactions); other files that fail are reported and skipped, so
 * check `reports`.
 */
export async function loadTransactionsFromFiles(
  paths: string[],
  options: LoadOptions = {},
): Promise<{ table: TransactionTable; reports: IngestReport[] }> {
  return withIngestSession(async (session) => {
    const connection = session.connection;
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE source_transactions (source_rank BIGINT, customer_id VARCHAR, ts_ms DOUBLE,
         amount DOUBLE, order_id VARCHAR, quantity DOUBLE, unit_price DOUBLE, country VARCHAR, channel VARCHAR,
         source_line BIGINT)`,
    );
    const reports = await ingestLocalFiles(
      paths,
      options,
      session,
      (_file, layout) => {
        // Refused at the layout: a customer table is not parsed for rows it cannot give.
        if (layout.kind === 'customer-table')
          throw new UnusableInputError(
            NOT_TRANSACTIONS,
            'this file is a customer table (one row per customer), not a transaction log',
          );
      },
      async () => {
        await connection.run(
          `INSERT INTO source_transactions SELECT file_rank, customer_id, ms, amount, order_id, quantity, unit_price,
             country, channel, line FROM ingest_rows WHERE reason IS NULL`,
        );
      },
    );
    const builder = new TransactionTableBuilder(1 << 16);
    const input: TransactionInput = {
      customerId: '',
      time: 0,
      amount: 0,
      orderId: undefined,
      categories: {},
    };
    const categories = input.categories as Record<string, string | undefined>;
    // One file holds no row of another: its rows as they are, without the window over every row.
    const once = reports.filter((r) => r.status === 'ok').length > 1;
    const result = await connection.stream(
      once
        ? ingestSql('transactions-once-across-sources')
        : 'SELECT customer_id, ts_ms, amount, order_id, country, channel FROM source_transactions',
    );
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const [ids, times, amounts, orders, countries, channels] = [0, 1, 2, 3, 4, 5].map((c) =>
        chunk.getColumnValues(c),
      ) as [string[], number[], number[], (string | null)[], (string | null)[], (string | null)[]];
      for (let i = 0; i < chunk.rowCount; i++) {
        input.customerId = ids[i] as string;
        input.time = times[i] as number;
        input.amount = amounts[i] as number;
        input.orderId = orders[i] ?? undefined;
        categories.country = countries[i] ?? undefined;
        categories.channel = channels[i] ?? undefined;
        builder.add(input);
      }
    }
    await connection.run('DROP TABLE source_transactions');
    return { table: builder.build(), reports };
  });
}

/**
 * Read local files through the ingest code in `session` (all in one batch), writing nothing: `onLayout`
 * may refuse a file (throw an UnusableInputError) before its rows are read, `onRows` takes the ingested
 * files' rows from `ingest_rows` (file_rank: a file's position among the files read), and each file's full
 * report is kept, with the duplicate rows across files counted (rows-held-elsewhere.sql).
 */
export async function ingestLocalFiles(
  paths: readonly string[],
  options: LoadOptions,
  session: IngestSession,
  onLayout: (file: string, layout: FileLayout) => void,
  onRows: (ranks: number[], files: readonly string[]) => Promise<void>,
): Promise<IngestReport[]> {
  const files = await expandInputPaths(paths);
  const dirs = await Promise.all(files.map(() => mkdtemp(join(tmpdir(), 'valuecast-load-'))));
  try {
    const started = performance.now();
    const cores = await ingestBatch(
      files.map((file, i) => ({
        open: async () => createReadStream(file),
        mapping: options.columns,
        onProgress: options.onProgress && ((rows, bytes) => options.onProgress?.(rows, bytes, file)),
        onLayout: (found) => onLayout(file, found),
        dir: dirs[i] as string,
      })),
      session,
      (ranks) => onRows(ranks, files),
      false,
    );
    const shared = await rowsHeldElsewhere(session, false);
    const share = Math.round((performance.now() - started) / Math.max(files.length, 1));
    return cores.map(({ report }, rank) => ({
      dataset: 'local',
      source: sourceNameOf(files[rank] as string),
      sourceKey: files[rank] as string,
      ...report,
      duplicateRows: { ...report.duplicateRows, acrossFiles: shared.get(rank) ?? 0 },
      outputs: {},
      durationMs: share,
    }));
  } finally {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
