import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  ColumnMappingError,
  expandInputPaths,
  type IngestReport,
  ingestStreams,
  parseColumnMapping,
  sourceNameOf,
} from '../../lib/ingest';
import type { ColumnMapping } from '../../lib/ingest/column-mapping';
import { withIngestSession } from '../../lib/ingest/ingest-session';
import { ingestReportsPrefix } from '../../lib/store/bucket-layout';
import { FsBlobStore } from '../../lib/store/fs-store';
import { UsageError } from '../cli-error';
import { datasetOf } from '../command-options';
import { terminalProgress } from '../progress';

const help = `valuecast ingest <file|dir>... --out <dir> [--dataset NAME] [--columns customer=…,date=…,amount=…]

Writes, under --out (the bucket's layout): normalized/<dataset>/<source>.parquet,
quarantine/<dataset>/<source>.csv and reports/ingest/<dataset>/<source>.json.
Directories: every .csv/.txt/.tsv[.gz] directly inside. Exit 1 if any file failed.`;

/** `valuecast ingest`: ingest local files into a directory laid out like the bucket. */
export async function ingestCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      dataset: { type: 'string', default: 'default' },
      columns: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(help);
    return;
  }
  if (positionals.length === 0) throw new UsageError('give at least one file or directory to ingest');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const dataset = datasetOf(values.dataset);
  let mapping: ColumnMapping | undefined;
  try {
    mapping = values.columns === undefined ? undefined : parseColumnMapping(values.columns);
  } catch (e: unknown) {
    if (e instanceof ColumnMappingError) throw new UsageError(`--columns: ${e.message}`);
    throw e;
  }
  for (const p of positionals) {
    await stat(p).catch(() => {
      throw new UsageError(`no such file or directory: ${p}`);
    });
  }

  const out = new FsBlobStore(values.out);
  const files = await expandInputPaths(positionals);
  if (files.length === 0) throw new UsageError('no .csv/.txt/.tsv files found in the given directories');
  const progress = terminalProgress();
  let failed = 0;
  let done = 0;
  // One DuckDB for every file; files are read in batches (one SQL statement for many small files), each
  // batch's rows compared with the earlier ones'.
  await withIngestSession(async (session) => {
    for (const batch of await batchesOf(files)) {
      const reports = await ingestStreams(
        batch.map((file) => ({
          open: async () => createReadStream(file),
          dataset,
          source: sourceNameOf(file),
          sourceKey: file,
          out,
          mapping,
          onProgress: (rows: number, bytes: number) =>
            progress.update(
              `[${done + 1}/${files.length}] ${sourceNameOf(file)}: ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB`,
            ),
        })),
        session,
      );
      progress.done();
      for (const [i, report] of reports.entries()) {
        if (report.status === 'failed') failed++;
        console.log(summaryLine(batch[i] as string, report));
      }
      done += batch.length;
    }
  });
  if (failed > 0)
    throw new Error(
      `${failed} of ${files.length} files failed (see the reports under ${values.out}/${ingestReportsPrefix(dataset)})`,
    );
}

/** Files read in one batch: at most this many, and this many bytes (staged in the temporary directory). */
const BATCH_FILES = 128;
const BATCH_BYTES = 256 * 2 ** 20;

/** The files in batches of at most {@link BATCH_FILES} files and {@link BATCH_BYTES} bytes (a bigger file alone). */
export async function batchesOf(files: readonly string[]): Promise<string[][]> {
  const batches: string[][] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = (await stat(file)).size;
    if (batch.length > 0 && (batch.length >= BATCH_FILES || bytes + size > BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(file);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** One line per file: counts and the most frequent rejection reasons, or why the file failed. */
export function summaryLine(file: string, r: IngestReport): string {
  if (r.status === 'failed') return `${file}: FAILED ${r.failureCode ?? ''}: ${r.failureReason ?? ''}`;
  const cut =
    r.truncated?.inputAtBytes === undefined
      ? ''
      : ` (cut at ${r.truncated.inputAtBytes} bytes: INGEST_MAX_INPUT_BYTES)`;
  const reasons = Object.entries(r.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return (
    `${file}: ${r.kind} read ${r.rowsRead}, accepted ${r.rowsAccepted}, rejected ${r.rowsRejected}` +
    `${reasons ? ` (${reasons})` : ''}, ${r.customers} customers, ${r.durationMs} ms${cut}`
  );
}
