/**
 * Ingestion benchmark part (run by bench/run.ts in its own process; runnable alone):
 *   npx tsx bench/ingest.ts load-features <file|dir>...
 *     what training reads before fitting, timed: the files' normalized Parquet (ingested first, untimed, as
 *     the preprocess Lambda leaves it) loaded through DuckDB into a TransactionTable, copied into the feature
 *     engine, and every customer's features at the day after the last transaction by
 *     sql/customer-features.sql (the per-customer aggregates); the BG/NBD and Gamma-Gamma fits on them
 *     (model fitting, not data work) are timed apart. Compared with pandas `read_csv` + groupby on the same
 *     files (bench/pandas-features.py).
 *   npx tsx bench/ingest.ts ingest <file|dir>...
 *     what `valuecast ingest <dir> --out` does: the files through ingestStreams in the CLI's batches into a
 *     temporary local bucket (Parquet + quarantine + report + row hashes), one DuckDB session.
 *   npx tsx bench/ingest.ts preprocess <file>
 *     what the preprocess Lambda does with one upload: ingestUpload from a local bucket, in a fresh session.
 *     Its memory should not grow with the file.
 *   npx tsx bench/ingest.ts duckdb-reference <file|dir>...
 *     the reference of the ingest figure: DuckDB alone (same engine settings, one statement per file) reading
 *     each file with an explicit schema (the columns our sniffer finds: date as TIMESTAMP, numbers as
 *     DOUBLE, the rest VARCHAR), dropping rows without a customer and writing one Parquet file per file.
 *   npx tsx bench/ingest.ts generate --rows N --out FILE
 *     a seeded single-file order export of N rows (500,000 customers) for the runs above.
 * Figures go to stdout as one `BENCH_PART` line (see part-output.ts), progress to stderr.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { batchesOf } from '../cli/commands/ingest';
import { withDuckDb } from '../lib/engine/duckdb';
import { fitBtyd } from '../lib/features/compute-features';
import { FeatureEngine } from '../lib/features/feature-engine';
import {
  expandInputPaths,
  type IngestReport,
  ingestStream,
  ingestStreams,
  ingestUpload,
  loadNormalizedTransactions,
  sourceNameOf,
} from '../lib/ingest';
import { withIngestSession } from '../lib/ingest/ingest-session';
import { sniffLayout } from '../lib/ingest/sniff';
import { FsBlobStore } from '../lib/store/fs-store';
import { DAY_MS } from '../lib/time';
import { emitPart, timed } from './part-output';
import { dayAfterLast } from './simulated-shop';

/** Figures of `load-features` (plus the process's peak RSS and CPU, see part-output.ts). */
export interface LoadFeaturesOutput {
  files: number;
  bytes: number;
  rowsRead: number;
  rowsAccepted: number;
  customers: number;
  loadSeconds: number;
  /** The feature engine: the table copied into DuckDB and the SQL's per-customer aggregates. */
  featuresSeconds: number;
  /** The BG/NBD and Gamma-Gamma fits on those aggregates (not in `seconds` nor `workCpuSeconds`). */
  fitSeconds: number;
  seconds: number;
  rowsPerSecond: number;
  /** CPU seconds of the load and the features alone (no process start-up). */
  workCpuSeconds: number;
}

/** Figures of `ingest`. */
export interface IngestOutput {
  files: number;
  bytes: number;
  rowsRead: number;
  rowsAccepted: number;
  seconds: number;
  rowsPerSecond: number;
  workCpuSeconds: number;
}

/** Figures of `generate`. */
export interface GenerateOutput {
  rows: number;
  bytes: number;
  seconds: number;
}

/** Customers of a generated export: fixed, so a bigger file means longer histories, not more people. */
export const GENERATED_CUSTOMERS = 500_000;

/** A seeded order export: customers, ISO timestamps, amounts (some returns), order ids, countries, channels. */
async function generate(file: string, rows: number): Promise<void> {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const countries = ['United Kingdom', 'France', 'Germany', 'Spain', 'Netherlands'];
  const channels = ['web', 'store', 'app'];
  const out = createWriteStream(file);
  out.write('order_id,customer_id,created_at,total,country,channel\n');
  const start = Date.UTC(2020, 0, 1);
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const customer = `C${String(Math.floor(random() ** 2 * GENERATED_CUSTOMERS)).padStart(6, '0')}`;
    const ts = new Date(start + Math.floor(random() * 3 * 365 * DAY_MS))
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    const amount = ((random() < 0.03 ? -1 : 1) * random() * 300).toFixed(2);
    const country = countries[Math.floor(random() ** 3 * countries.length)];
    const channel = channels[Math.floor(random() * channels.length)];
    batch += `O${i},${customer},${ts},${amount},${country},${channel}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

async function loadFeatures(paths: string[]): Promise<void> {
  const temp = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-load-'));
  try {
    const store = new FsBlobStore(temp);
    const reports = [];
    for (const file of await expandInputPaths(paths))
      reports.push(
        await ingestStream({
          open: async () => createReadStream(file),
          dataset: 'bench',
          source: sourceNameOf(file),
          out: store,
        }),
      );
    // DuckDB's module and native binding load before the clock starts, as pandas is imported before its.
    await import('@duckdb/node-api');
    const load = await timed(() => loadNormalizedTransactions(store, 'bench'));
    const table = load.result;
    console.error(`  loaded ${table.length.toLocaleString('en')} rows in ${load.seconds} s`);
    const features = await timed(async () => {
      using engine = await FeatureEngine.open(table);
      return await engine.summary(dayAfterLast(table));
    });
    const summary = features.result;
    const fits = await timed(() => fitBtyd(summary));
    const rowsRead = reports.reduce((sum, r) => sum + r.rowsRead, 0);
    const seconds = load.seconds + features.seconds;
    emitPart({
      files: reports.length,
      bytes: await totalBytes(paths),
      rowsRead,
      rowsAccepted: table.length,
      customers: summary.customers.length,
      loadSeconds: load.seconds,
      featuresSeconds: features.seconds,
      fitSeconds: fits.seconds,
      seconds,
      rowsPerSecond: Math.round(rowsRead / seconds),
      workCpuSeconds: load.cpuSeconds + features.cpuSeconds,
    } satisfies LoadFeaturesOutput);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function ingestFolder(paths: string[]): Promise<void> {
  const temp = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-ingest-'));
  try {
    const out = new FsBlobStore(temp);
    const files = await expandInputPaths(paths);
    const run = await timed(() =>
      withIngestSession(async (session) => {
        const reports = [];
        for (const batch of await batchesOf(files))
          reports.push(
            ...(await ingestStreams(
              batch.map((file) => ({
                open: async () => createReadStream(file),
                dataset: 'bench',
                source: sourceNameOf(file),
                out,
              })),
              session,
            )),
          );
        return reports;
      }),
    );
    emitIngest(files.length, await totalBytes(paths), run);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function preprocess(file: string): Promise<void> {
  const temp = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-preprocess-'));
  try {
    const store = new FsBlobStore(temp);
    const key = `uploads/bench/${path.basename(file)}`;
    await mkdir(path.join(temp, 'uploads/bench'), { recursive: true });
    await copyFile(file, path.join(temp, key));
    const run = await timed(async () => [await ingestUpload(store, key)]);
    emitIngest(1, (await stat(file)).size, run);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function emitIngest(
  files: number,
  bytes: number,
  run: { result: IngestReport[]; seconds: number; cpuSeconds: number },
): void {
  const failed = run.result.filter((r) => r.status !== 'ok');
  if (failed.length > 0) throw new Error(`${failed.length} file(s) failed: ${failed[0]?.failureReason}`);
  const rowsRead = run.result.reduce((sum, r) => sum + r.rowsRead, 0);
  emitPart({
    files,
    bytes,
    rowsRead,
    rowsAccepted: run.result.reduce((sum, r) => sum + r.rowsAccepted, 0),
    seconds: run.seconds,
    rowsPerSecond: Math.round(rowsRead / run.seconds),
    workCpuSeconds: run.cpuSeconds,
  } satisfies IngestOutput);
}

/** DuckDB's own read + filter + Parquet write of the same files, one statement a file (see the header). */
async function duckdbReference(paths: string[]): Promise<void> {
  const temp = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-duckdb-'));
  try {
    const files = await expandInputPaths(paths);
    const head = (await readFile(files[0] as string)).subarray(0, 256 * 1024).toString('utf8');
    const layout = sniffLayout(head.slice(0, head.lastIndexOf('\n')));
    const typeOf = (i: number) =>
      i === layout.columns.date && layout.dateFormat === 'iso'
        ? 'TIMESTAMP'
        : [layout.columns.amount, layout.columns.quantity, layout.columns.unitPrice].includes(i)
          ? 'DOUBLE'
          : 'VARCHAR';
    const columns = `{${layout.columnNames.map((n, i) => `'${n.replace(/'/g, "''")}': '${typeOf(i)}'`).join(', ')}}`;
    const customer = `"${(layout.columnNames[layout.columns.customer as number] as string).replace(/"/g, '""')}"`;
    const delimiter = layout.delimiter === 'whitespace' ? ' ' : layout.delimiter;
    const run = await timed(() =>
      withDuckDb(async (connection) => {
        let rows = 0;
        for (const [i, file] of files.entries()) {
          const source = `read_csv('${file.replace(/'/g, "''")}', auto_detect = false, header = ${layout.header}, delim = '${delimiter}', quote = '"', escape = '"', columns = ${columns})`;
          const copied = await connection.runAndReadAll(
            `COPY (SELECT * FROM ${source} WHERE ${customer} IS NOT NULL) TO '${path.join(temp, `${i}.parquet`)}' (FORMAT parquet)`,
          );
          rows += Number(copied.getRowsJS()[0]?.[0] ?? 0);
        }
        return rows;
      }),
    );
    emitPart({
      files: files.length,
      bytes: await totalBytes(paths),
      rowsRead: 0,
      rowsAccepted: run.result,
      seconds: run.seconds,
      rowsPerSecond: 0,
      workCpuSeconds: run.cpuSeconds,
    } satisfies IngestOutput);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function totalBytes(paths: string[]): Promise<number> {
  let bytes = 0;
  for (const file of await expandInputPaths(paths)) bytes += (await stat(file)).size;
  return bytes;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { rows: { type: 'string' }, out: { type: 'string' } },
  });
  const [mode, ...paths] = positionals;
  if (mode === 'generate') {
    const rows = Number(values.rows);
    if (!Number.isInteger(rows) || rows <= 0 || !values.out)
      throw new Error('generate needs --rows N (a positive integer) and --out FILE');
    const run = await timed(() => generate(values.out as string, rows));
    emitPart({ rows, bytes: (await stat(values.out)).size, seconds: run.seconds } satisfies GenerateOutput);
  } else if (
    (mode === 'load-features' || mode === 'ingest' || mode === 'duckdb-reference' || mode === 'preprocess') &&
    paths.length > 0
  ) {
    if ((await expandInputPaths(paths)).length === 0)
      throw new Error(`no .csv, .txt or .tsv file in ${paths.join(', ')}`);
    if (mode === 'ingest') await ingestFolder(paths);
    else if (mode === 'duckdb-reference') await duckdbReference(paths);
    else if (mode === 'preprocess') await preprocess(paths[0] as string);
    else await loadFeatures(paths);
  } else
    throw new Error(
      'usage: bench/ingest.ts load-features|ingest|duckdb-reference <file|dir>... | preprocess <file> | generate --rows N --out FILE',
    );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
