import path from 'node:path';
import { parseColumnMapping } from '../lib/ingest';
import type { InputFiles } from '../lib/ingest/load-customer-table';
import type { LoadOptions } from '../lib/ingest/load-files';
import { assertDatasetName } from '../lib/store/bucket-layout';
import { DAY_MS } from '../lib/time';
import type { FilesToScore } from '../lib/training/score-customers';
import { UsageError } from './cli-error';
import { parseCommandOptions, requireData } from './data-option';
import type { Progress } from './progress';

/**
 * What several commands share: the options of `train` and `score` besides `--data` (`--model-dir`,
 * `--as-of`, `--columns`, `--dataset`), how each is read, and reading the `--data` files with progress.
 */

const SHARED_OPTIONS = {
  'model-dir': { type: 'string' },
  'as-of': { type: 'string' },
  columns: { type: 'string' },
  dataset: { type: 'string' },
} as const;

/** The options `train` and `score` share (with `--data <file|dir>...`), plus the command's own. */
export function parseOptions<Own extends Record<string, { type: 'string' }>>(
  args: string[],
  own: Own,
  command: string,
) {
  return parseCommandOptions(args, { ...SHARED_OPTIONS, ...own }, command);
}

export function requireModelDir(value: string | undefined, command: string): string {
  if (!value) throw new UsageError(`--model-dir is required (see valuecast ${command} --help)`);
  return path.resolve(value);
}

export function datasetOf(value: string | undefined): string {
  const dataset = value ?? 'default';
  try {
    assertDatasetName(dataset);
  } catch (e: unknown) {
    throw new UsageError(`--dataset: ${e instanceof Error ? e.message : String(e)}`);
  }
  return dataset;
}

/** `--as-of D` means "data up to and including day D": the instant right after D (UTC). */
export function parseAsOf(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || new Date(start).toISOString().slice(0, 10) !== day)
    throw new UsageError(`--as-of must be a date YYYY-MM-DD, got "${day}"`);
  return start + DAY_MS;
}

/**
 * Read the --data files with `load` (training sniffs the kind; scoring reads the model's kind) with a
 * progress line and a summary of what was read.
 */
export async function loadData<Input extends InputFiles | FilesToScore>(
  data: string[] | undefined,
  columns: string | undefined,
  progress: Progress,
  command: string,
  load: (files: string[], options: LoadOptions) => Promise<Input>,
): Promise<Input & { seconds: number }> {
  const files = requireData(data, command);
  const mapping = columns === undefined ? undefined : parseColumnMapping(columns);
  const started = performance.now();
  const input = await load(files, {
    columns: mapping,
    onProgress: (rows, _bytes, file) => progress.update(`reading ${file}: ${rows.toLocaleString('en')} rows`),
  });
  const seconds = (performance.now() - started) / 1000;
  const { reports } = input;
  const rejected = reports.reduce((n, r) => n + r.rowsRejected, 0);
  const skipped = reports
    .filter((r) => r.status === 'failed')
    .map((r) => `\n  skipped ${r.sourceKey ?? r.source}: ${r.failureReason ?? 'failed'}`);
  const content =
    input.kind === 'customer-table'
      ? `a customer table of ${input.table.customerIds.length.toLocaleString('en')} customers${'labelColumn' in input.table ? ` labelled by ${input.table.labelColumn}` : ''}`
      : `${input.table.length.toLocaleString('en')} transactions of ${input.table.customerIds.length.toLocaleString('en')} customers`;
  progress.done(
    `read ${reports.length} file(s): ${content}, ${rejected.toLocaleString('en')} rows rejected (${seconds.toFixed(1)} s)${skipped.join('')}`,
  );
  return { ...input, seconds };
}
