/**
 * `npm run bench [-- --large] [-- --accuracy] [-- --parts ingest,features,training,serving,accuracy]`
 * Runs every benchmark part in its own child process (so each peak RSS is that part's own), prints one
 * table and writes bench/results.json. Figures carry a reference measured in the same run where one
 * exists (pandas on the same files, the wasm backend, an empty handler, the best peer), and the ratio is
 * what is compared with the targets of docs/scaling.md (accuracy: docs/accuracy-protocol.md): absolute
 * times are noisy on a shared machine, so the load average before each part is recorded with its figures.
 * Default: the Online Retail folder and generated 1M- and 3M-row files (so peak RSS vs file size shows),
 * features on 200k simulated customers, training on 10k and 100k customers, serving; `--large` adds 10M- and 20M-row files, 1M customers and
 * the 1M-customer / 20M-transaction training run (tens of minutes); `--accuracy` adds the benchmark
 * backtests of docs/accuracy-protocol.md. Online Retail is read from
 * `$VALUECAST_DATA_DIR/online-retail-uci/by-day`: without it, its ingest figures are left out with a message
 * naming the variable, and the accuracy part fails with that message.
 * `--parts a,b` runs only those parts and keeps the other parts' figures of the existing results.json.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { onlineRetailData } from '../test/support/datasets';
import type { ApiFeaturesOutput } from './api-features';
import type { FeaturesOutput } from './features';
import type { BenchFigure } from './figures';
import type { GenerateOutput, IngestOutput, LoadFeaturesOutput } from './ingest';
import { PART_LINE_PREFIX, type PartProcessFigures } from './part-output';
import type { FitOutput, TrainStoredOutput, WriteParquetOutput } from './training';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench/results.json');
const PYTHON = '/usr/bin/python3';
/**
 * docs/scaling.md (issue 19): what training reads (the normalized Parquet through DuckDB, the per-customer
 * features in SQL) at ≥ 10× the throughput of pandas read_csv + groupby on the same files, per CPU-second.
 */
const PANDAS_TARGET = 10;
/** Peak RSS may grow this much while the file grows several times and still count as flat. */
const FLAT_MEMORY_TOLERANCE = 1.25;
const LAMBDA_SECONDS = 900;
/** issue 19: `valuecast ingest` of the Online Retail folder within this many times DuckDB's bare CPU. */
const INGEST_VS_DUCKDB_TARGET = 2;
/** issue 19: a ≈1 GB generated export through the preprocess path within these. */
const GIGABYTE_ROWS = 17_500_000;
const GIGABYTE_SECONDS = 60;
const GIGABYTE_RSS_MB = 1500;
/** The preprocess function's memory (serverless.yml). */
const PREPROCESS_MEMORY_MB = 2048;
/** issue 19: the 1M-customer training on the train Lambda's path within this many CPU-seconds. */
const TRAINING_CPU_TARGET = 300;
const LAMBDA_MB = 10_240;

const ALL_PARTS = ['ingest', 'features', 'training', 'serving', 'accuracy'] as const;
type PartName = (typeof ALL_PARTS)[number];

/** One child process of the run, as recorded in results.json. */
interface PartRun {
  part: PartName;
  label: string;
  command: string[];
  startedAt: string;
  /** 1/5/15-minute load average just before the part started (others share this machine). */
  load: number[];
  wallSeconds: number;
  /** The part's `BENCH_PART` figures (absent when it failed). */
  output?: Record<string, unknown>;
  error?: string;
}

/** What bench/pandas-features.py prints. */
interface PandasOutput {
  pandas: string;
  rowsRead: number;
  customers: number;
  seconds: number;
  rowsPerSecond: number;
  workCpuSeconds: number;
}

const runs: PartRun[] = [];
const figures: BenchFigure[] = [];

/** Run one part in a child process; its progress is shown, its `BENCH_PART` line returned. */
async function runPart<T extends object>(
  part: PartName,
  label: string,
  command: string[],
  env: Record<string, string> = {},
): Promise<(T & PartProcessFigures) | undefined> {
  const run: PartRun = {
    part,
    label,
    command,
    startedAt: new Date().toISOString(),
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    wallSeconds: 0,
  };
  runs.push(run);
  console.error(`\n▶ ${label} (load ${run.load.join(' ')})`);
  const started = performance.now();
  const [file, ...args] = command;
  const child = spawn(file as string, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  run.wallSeconds = Math.round(performance.now() - started) / 1000;
  const line = stdout.split('\n').find((l) => l.startsWith(PART_LINE_PREFIX));
  for (const other of stdout.split('\n')) if (other && other !== line) console.error(other);
  if (code !== 0 || !line) {
    run.error = `exited with ${code}${line ? '' : ' without figures'}`;
    console.error(`✗ ${label}: ${run.error}`);
    return undefined;
  }
  const output = JSON.parse(line.slice(PART_LINE_PREFIX.length)) as T & PartProcessFigures;
  run.output = output as unknown as Record<string, unknown>;
  return output;
}

const tsx = (script: string, ...args: string[]) => [process.execPath, '--import', 'tsx', script, ...args];

function add(figure: BenchFigure): void {
  const load = runs[runs.length - 1]?.load;
  figures.push({ ...figure, ...(figure.load === undefined && load && { load }) });
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

interface CsvInput {
  name: string;
  paths: string[];
  /** Column arguments of bench/pandas-features.py. */
  pandasColumns: string[];
}

async function ingestPart(large: boolean, temp: string): Promise<void> {
  const onlineRetail = onlineRetailData();
  const inputs: CsvInput[] = [];
  if (onlineRetail.days !== undefined) {
    inputs.push({
      name: 'Online Retail folder',
      paths: [onlineRetail.days],
      pandasColumns: [
        ...['--customer', 'CustomerID', '--date', 'InvoiceDate'],
        ...['--quantity', 'Quantity', '--price', 'UnitPrice'],
      ],
    });
  } else {
    console.error(`\n! ${onlineRetail.missing}: the Online Retail figures are skipped`);
  }
  for (const rows of large ? [1e6, 1e7, 2e7] : [1e6, 3e6]) {
    const file = path.join(temp, `generated-${rows}.csv`);
    const made = await runPart<GenerateOutput>('ingest', `generate ${rows.toLocaleString('en')} rows`, [
      ...tsx('bench/ingest.ts', 'generate', '--rows', String(rows), '--out', file),
    ]);
    if (made)
      inputs.push({
        name: `generated ${rows / 1e6}M rows`,
        paths: [file],
        pandasColumns: ['--customer', 'customer_id', '--date', 'created_at', '--amount', 'total'],
      });
  }
  const pandas = spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0;
  if (!pandas)
    console.error(
      `\n! ${PYTHON} cannot import pandas: the pandas reference is skipped (apt-get install python3-pandas)`,
    );
  const ingested: { input: CsvInput; bytes: number; ingestMB: number; loadMB: number }[] = [];
  for (const input of inputs) {
    const ours = await runPart<LoadFeaturesOutput>('ingest', `${input.name}: load + features`, [
      ...tsx('bench/ingest.ts', 'load-features', ...input.paths),
    ]);
    const reference = pandas
      ? await runPart<PandasOutput>('ingest', `${input.name}: pandas read_csv + groupby`, [
          PYTHON,
          'bench/pandas-features.py',
          ...input.pandasColumns,
          ...input.paths,
        ])
      : undefined;
    if (ours) {
      // Per CPU-second: both children share the machine with others, and CPU time is what each one got.
      const perCpu = (rows: number, cpu: number) => Math.round(rows / cpu);
      const value = perCpu(ours.rowsRead, ours.workCpuSeconds);
      const pandasValue = reference && perCpu(reference.rowsRead, reference.workCpuSeconds);
      const ratio = pandasValue === undefined ? undefined : value / pandasValue;
      add({
        group: 'ingest',
        name: `${input.name}: load + features (rows per CPU-second)`,
        value,
        unit: 'rows/CPU-s',
        ...(pandasValue !== undefined && {
          reference: { name: 'pandas read_csv + groupby', value: pandasValue },
        }),
        ...(ratio !== undefined && { ratio: round(ratio), met: ratio >= PANDAS_TARGET }),
        target: `≥ ${PANDAS_TARGET}× pandas`,
        note:
          `${ours.rowsRead.toLocaleString('en')} rows (${mb(ours.bytes)}, ${ours.files} file(s)), ` +
          `${ours.customers.toLocaleString('en')} customers; the normalized Parquet through DuckDB: wall load ` +
          `${ours.loadSeconds} s + features (SQL) ${ours.featuresSeconds} s = ${ours.rowsPerSecond.toLocaleString('en')} rows/s ` +
          `(BG/NBD + GG fits on them: ${ours.fitSeconds} s more)` +
          (reference
            ? `; pandas ${reference.seconds} s = ${reference.rowsPerSecond.toLocaleString('en')} rows/s ` +
              `(wall ratio ${round(ours.rowsPerSecond / reference.rowsPerSecond)}×)`
            : `; ${PYTHON} has no pandas`),
      });
      add({
        group: 'ingest',
        name: `${input.name}: load + features peak RSS`,
        value: ours.peakRssMB,
        unit: 'MB',
        ...(reference && {
          reference: { name: 'pandas read_csv + groupby', value: reference.peakRssMB },
          ratio: round(ours.peakRssMB / reference.peakRssMB),
        }),
        note: 'the whole table is in memory here, as in pandas (training reads all rows)',
      });
    }
    const folder = input.name === 'Online Retail folder';
    // A folder goes through `valuecast ingest`'s batches; a single export through the preprocess Lambda's path.
    const stream = await runPart<IngestOutput>('ingest', `${input.name}: ingest to Parquet`, [
      ...tsx('bench/ingest.ts', folder ? 'ingest' : 'preprocess', ...input.paths),
    ]);
    if (stream) {
      add({
        group: 'ingest',
        name: `${input.name}: ingest to Parquet + report (${folder ? 'valuecast ingest' : 'preprocess Lambda path'})`,
        value: stream.rowsPerSecond,
        unit: 'rows/s',
        note: `${stream.seconds} s, ${stream.workCpuSeconds} CPU-s, peak RSS ${stream.peakRssMB} MB`,
      });
      ingested.push({ input, bytes: stream.bytes, ingestMB: stream.peakRssMB, loadMB: ours?.peakRssMB ?? 0 });
    }
    if (folder && stream) {
      const reference = await runPart<IngestOutput>(
        'ingest',
        `${input.name}: DuckDB read + filter + Parquet`,
        [...tsx('bench/ingest.ts', 'duckdb-reference', ...input.paths)],
      );
      if (reference) {
        const ratio = stream.workCpuSeconds / reference.workCpuSeconds;
        add({
          group: 'ingest',
          name: `${input.name}: valuecast ingest, CPU-seconds`,
          value: stream.workCpuSeconds,
          unit: 'CPU-s',
          reference: {
            name: 'DuckDB bare read + filter + Parquet write, one statement a file',
            value: reference.workCpuSeconds,
          },
          ratio: round(ratio),
          target: `≤ ${INGEST_VS_DUCKDB_TARGET}× DuckDB`,
          met: ratio <= INGEST_VS_DUCKDB_TARGET,
          note: `valuecast ${stream.seconds} s wall, ${stream.peakRssMB} MB; DuckDB ${reference.seconds} s wall, ${reference.peakRssMB} MB, ${reference.rowsAccepted.toLocaleString('en')} rows kept (valuecast ${stream.rowsAccepted.toLocaleString('en')})`,
        });
      }
    }
  }
  await gigabytePart(temp);
  const generated = ingested.filter((i) => i.input.name.startsWith('generated'));
  const smallest = generated[0];
  const largest = generated[generated.length - 1];
  if (smallest && largest && largest !== smallest) {
    const growth = largest.bytes / smallest.bytes;
    const ratio = largest.ingestMB / smallest.ingestMB;
    add({
      group: 'ingest',
      name: `ingest to Parquet: peak RSS ${largest.input.name} / ${smallest.input.name}`,
      value: round(ratio),
      unit: '×',
      reference: { name: 'file size ratio', value: round(growth) },
      target: `memory flat in file size (≤ ${FLAT_MEMORY_TOLERANCE}×)`,
      met: ratio <= FLAT_MEMORY_TOLERANCE,
      note: `${smallest.ingestMB} MB → ${largest.ingestMB} MB while the file grows ${mb(smallest.bytes)} → ${mb(largest.bytes)}`,
    });
    add({
      group: 'ingest',
      name: `load + features: peak RSS ${largest.input.name} / ${smallest.input.name}`,
      value: round(largest.loadMB / smallest.loadMB),
      unit: '×',
      reference: { name: 'file size ratio', value: round(growth) },
      note: `${smallest.loadMB} MB → ${largest.loadMB} MB: the in-memory table grows with the rows (≈ 24 bytes a row plus ids)`,
    });
  }
}

/**
 * issue 19: a 1 GB generated export through the preprocess Lambda's path (ingestUpload from a local bucket),
 * with the preprocess function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, so DuckDB's memory limit is what
 * it is there), within 60 s and 1.5 GB of RSS on this machine.
 */
async function gigabytePart(temp: string): Promise<void> {
  const file = path.join(temp, 'generated-1gb.csv');
  const made = await runPart<GenerateOutput>(
    'ingest',
    `generate ${GIGABYTE_ROWS.toLocaleString('en')} rows (≈1 GB)`,
    [...tsx('bench/ingest.ts', 'generate', '--rows', String(GIGABYTE_ROWS), '--out', file)],
  );
  if (!made) return;
  const out = await runPart<IngestOutput>(
    'ingest',
    'generated 1 GB: preprocess path',
    [...tsx('bench/ingest.ts', 'preprocess', file)],
    { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(PREPROCESS_MEMORY_MB) },
  );
  await rm(file, { force: true });
  if (!out) return;
  const within = out.seconds <= GIGABYTE_SECONDS && out.peakRssMB <= GIGABYTE_RSS_MB;
  add({
    group: 'ingest',
    name: `generated ${mb(out.bytes)} (${out.rowsRead.toLocaleString('en')} rows): preprocess path, wall seconds`,
    value: out.seconds,
    unit: 's',
    target: `≤ ${GIGABYTE_SECONDS} s and ≤ ${GIGABYTE_RSS_MB / 1000} GB RSS`,
    met: within,
    note: `peak RSS ${out.peakRssMB} MB, ${out.workCpuSeconds} CPU-s, ${out.rowsPerSecond.toLocaleString('en')} rows/s; DuckDB memory limit as in a ${PREPROCESS_MEMORY_MB} MB Lambda`,
  });
}

async function featuresPart(large: boolean): Promise<void> {
  const sizes = large ? [{ customers: 1_000_000, linesScale: 2.3 }] : [{ customers: 200_000, linesScale: 1 }];
  for (const { customers, linesScale } of sizes) {
    const out = await runPart<FeaturesOutput>(
      'features',
      `features: ${customers.toLocaleString('en')} simulated customers`,
      [...tsx('bench/features.ts', '--customers', String(customers), '--lines-scale', String(linesScale))],
    );
    if (!out) continue;
    const shop = `${customers.toLocaleString('en')} customers / ${out.rows.toLocaleString('en')} rows`;
    add({
      group: 'features',
      name: `${shop}: batch features, SQL in DuckDB (with BG/NBD + GG fits)`,
      value: out.sqlFeaturesRowsPerSecond,
      unit: 'rows/s',
      note: `${out.sqlFeaturesSeconds} s after ${out.engineOpenSeconds} s copying the table into DuckDB; BG/NBD fit ${out.bgNbdFitSeconds} s, GG fit ${out.gammaGammaFitSeconds} s; computeFeatures (the API's TypeScript) on the same table with the fits given: ${out.typescriptWithFitsSeconds} s`,
    });
    add({
      group: 'features',
      name: `${shop}: buildTrainingRows (one 90-day window)`,
      value: out.buildTrainingRowsSeconds,
      unit: 's',
      note: `${out.trainingRows.toLocaleString('en')} labelled rows`,
    });
    add({ group: 'features', name: `${shop}: peak RSS`, value: out.peakRssMB, unit: 'MB' });
  }
  // The API's features of a posted customer: the TypeScript serving runs, or the batch SQL in a DuckDB per
  // request, each in a fresh process as on a cold Lambda.
  const api: Partial<Record<ApiFeaturesOutput['path'], ApiFeaturesOutput>> = {};
  for (const path of ['typescript', 'duckdb'] as const)
    api[path] = await runPart<ApiFeaturesOutput>('features', `API features, one customer: ${path}`, [
      ...tsx('bench/api-features.ts', '--path', path),
    ]);
  const { typescript, duckdb } = api;
  if (typescript && duckdb)
    for (const which of ['firstRequestMs', 'warmRequestMs'] as const)
      add({
        group: 'features',
        name: `API features of one posted customer, ${which === 'firstRequestMs' ? 'first request of a fresh process' : 'warm request'}: computeFeatures (TypeScript)`,
        value: typescript[which],
        unit: 'ms',
        reference: { name: 'the batch SQL in a DuckDB per request', value: duckdb[which] },
        ratio: round(typescript[which] / duckdb[which], 4),
        note: 'serving keeps the TypeScript, proven equal to the SQL on every column (test/unit/sql/batch-features.test.ts)',
      });
}

async function trainingPart(large: boolean, temp: string): Promise<void> {
  const sizes = large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
  let wasm100k: number | undefined;
  for (const customers of sizes) {
    const out = await runPart<FitOutput>(
      'training',
      `training: fitValueModel, ${customers.toLocaleString('en')} customers, wasm`,
      [...tsx('bench/training.ts', 'fit', '--customers', String(customers))],
    );
    if (!out) continue;
    if (customers === 100_000) wasm100k = out.secondsPerEpoch;
    const what = `${customers.toLocaleString('en')} customers (${out.trainRows.toLocaleString('en')} training rows)`;
    add({
      group: 'training',
      name: `${what}: seconds per epoch (wasm)`,
      value: out.secondsPerEpoch,
      unit: 's',
      note: `median of ${out.epochs} epochs; ${out.transactions.toLocaleString('en')} transactions`,
    });
    add({
      group: 'training',
      name: `${what}: fitValueModel to convergence (wasm)`,
      value: out.fitSeconds,
      unit: 's',
      note: `${out.epochs} epochs (best ${out.bestEpoch}, ${out.converged ? 'early-stopped' : 'hit the epoch cap'}); network ${out.networkSeconds} s, the rest features and calibration; ${out.fitCpuSeconds} CPU-s`,
    });
    add({ group: 'training', name: `${what}: peak RSS`, value: out.peakRssMB, unit: 'MB' });
  }
  const cpu = await runPart<FitOutput>('training', 'training: 100,000 customers, cpu backend, 2 epochs', [
    ...tsx('bench/training.ts', 'fit', '--customers', '100000', '--backend', 'cpu', '--epochs', '2'),
  ]);
  if (cpu)
    add({
      group: 'training',
      name: '100,000 customers: seconds per epoch, cpu backend',
      value: cpu.secondsPerEpoch,
      unit: 's',
      ...(wasm100k !== undefined && {
        reference: { name: 'wasm backend, same rows', value: wasm100k },
        ratio: round(cpu.secondsPerEpoch / wasm100k),
      }),
      note: 'cpu is the fallback when the wasm binary cannot load',
    });
  if (!large) return;
  const bucket = path.join(temp, 'train-bucket');
  const written = await runPart<WriteParquetOutput>(
    'training',
    'training: 1M customers / ≈21.7M transactions as normalized Parquet (docs/scaling.md)',
    [
      ...tsx(
        'bench/training.ts',
        'write-parquet',
        '--customers',
        '1000000',
        '--lines-scale',
        '2.5',
        '--out',
        bucket,
      ),
    ],
  );
  if (!written) return;
  const out = await runPart<TrainStoredOutput>(
    'training',
    'training: trainStoredDataset (the train Lambda) on 1M customers',
    [...tsx('bench/training.ts', 'train-stored', '--bucket', bucket)],
  );
  if (!out) return;
  const shop = `${out.customers.toLocaleString('en')} customers / ${out.transactions.toLocaleString('en')} transactions`;
  // The machine is shared: CPU seconds stand for wall time on a dedicated core (TF.js wasm uses one thread;
  // a 10 GB Lambda has 6 vCPUs). Wall time is in the note.
  add(
    withinLimit(
      {
        name: `${shop}: trainStoredDataset (train Lambda, end to end), CPU time`,
        value: out.trainCpuSeconds,
        unit: 's',
        note: `wall ${out.seconds} s on the shared machine; phases ${JSON.stringify(out.durations)}; fits ${JSON.stringify(out.fits)}`,
      },
      { name: 'Lambda timeout', value: LAMBDA_SECONDS },
      `≤ ${TRAINING_CPU_TARGET} CPU-s (one Lambda: ≤ 15 min)`,
      TRAINING_CPU_TARGET,
    ),
  );
  add(
    withinLimit(
      { name: `${shop}: trainStoredDataset peak RSS`, value: out.peakRssMB, unit: 'MB' },
      { name: 'Lambda memory', value: LAMBDA_MB },
      '≤ 10 GB in one Lambda',
    ),
  );
}

/**
 * A training figure against one of Lambda's hard limits: the ratio to the limit, met when within it, or
 * within `bound` when the target is tighter than the limit.
 */
function withinLimit(
  figure: Pick<BenchFigure, 'name' | 'value' | 'unit' | 'note'>,
  limit: { name: string; value: number },
  target: string,
  bound = limit.value,
): BenchFigure {
  return {
    group: 'training',
    ...figure,
    reference: limit,
    ratio: round(figure.value / limit.value),
    target,
    met: figure.value <= bound,
  };
}

async function figuresPart(part: 'serving' | 'accuracy'): Promise<void> {
  const out = await runPart<{ figures: BenchFigure[] }>(part, part, tsx('bench/figures-part.ts', part));
  for (const figure of out?.figures ?? []) add(figure);
}

/** Figures and part runs of bench/results.json that belong to parts other than `replaced`. */
function previousResults(replaced: ReadonlySet<PartName>): { figures: BenchFigure[]; parts: PartRun[] } {
  if (!existsSync(RESULTS)) return { figures: [], parts: [] };
  const previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as { figures: BenchFigure[]; parts: PartRun[] };
  return {
    figures: previous.figures.filter((f) => !replaced.has(f.group as PartName)),
    parts: previous.parts.filter((p) => !replaced.has(p.part)),
  };
}

function printTable(): void {
  const header = ['group', 'figure', 'value', 'reference', 'ratio', 'target', 'met'];
  const rows = figures.map((f) => [
    f.group,
    f.name,
    `${f.value.toLocaleString('en', { maximumFractionDigits: 3 })} ${f.unit}`.trim(),
    f.reference
      ? `${f.reference.value.toLocaleString('en', { maximumFractionDigits: 3 })} (${f.reference.name})`
      : '',
    f.ratio === undefined ? '' : `${f.ratio.toLocaleString('en', { maximumFractionDigits: 2 })}×`,
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
  ]);
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      large: { type: 'boolean', default: false },
      accuracy: { type: 'boolean', default: false },
      parts: { type: 'string' },
    },
  });
  const requested = values.parts?.split(',') ?? ALL_PARTS.filter((p) => p !== 'accuracy' || values.accuracy);
  const unknown = requested.filter((p) => !(ALL_PARTS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`unknown part(s) ${unknown.join(', ')}: use ${ALL_PARTS.join(',')}`);
  const parts = new Set(requested as PartName[]);
  const startedAt = new Date().toISOString();
  const temp = await mkdtemp(path.join(os.tmpdir(), 'valuecast-bench-'));
  try {
    if (parts.has('ingest')) await ingestPart(values.large, temp);
    if (parts.has('features')) await featuresPart(values.large);
    if (parts.has('training')) await trainingPart(values.large, temp);
    if (parts.has('serving')) await figuresPart('serving');
    if (parts.has('accuracy')) await figuresPart('accuracy');
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  // `--parts` re-measures some parts: the other parts' figures of the last run stay (with their own dates).
  const kept = values.parts ? previousResults(parts) : { figures: [], parts: [] };
  figures.unshift(...kept.figures);
  runs.unshift(...kept.parts);
  printTable();
  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    figures,
    parts: runs,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  const failed = runs.filter((r) => r.error);
  console.log(
    `\nwrote ${path.relative(process.cwd(), RESULTS)}${failed.length ? `; ${failed.length} part(s) failed` : ''}`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
