import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  ColumnMappingError,
  expandInputPaths,
  type IngestReport,
  ingestStream,
  parseColumnMapping,
  sourceNameOf,
} from '../../lib/ingest';
import type { ColumnMapping } from '../../lib/ingest/column-mapping';
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
  for (const [i, file] of files.entries()) {
    const source = sourceNameOf(file);
    const report = await ingestStream({
      open: async () => createReadStream(file),
      dataset,
      source,
      sourceKey: file,
      out,
      mapping,
      onProgress: (rows, bytes) =>
        progress.update(
          `[${i + 1}/${files.length}] ${source}: ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB`,
        ),
    });
    progress.done();
    if (report.status === 'failed') failed++;
    console.log(summaryLine(file, report));
  }
  if (failed > 0)
    throw new Error(
      `${failed} of ${files.length} files failed (see the reports under ${values.out}/${ingestReportsPrefix(dataset)})`,
    );
}

/** One line per file: counts and the most frequent rejection reasons, or why the file failed. */
export function summaryLine(file: string, r: IngestReport): string {
  if (r.status === 'failed') return `${file}: FAILED ${r.failureCode ?? ''}: ${r.failureReason ?? ''}`;
  const reasons = Object.entries(r.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return (
    `${file}: ${r.kind} read ${r.rowsRead}, accepted ${r.rowsAccepted}, rejected ${r.rowsRejected}` +
    `${reasons ? ` (${reasons})` : ''}, ${r.customers} customers, ${r.durationMs} ms`
  );
}
