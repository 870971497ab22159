/**
 * Out-of-time accuracy of `model` against the baselines (docs/accuracy-protocol.md):
 *   npx tsx bench/accuracy.ts [--design] [--unseen] [--benchmark] [--cases name,name] [--systems name,name] [--seeds 1,2,3]
 * `--benchmark` (the default) runs the two benchmark cutoffs of docs/accuracy-protocol.md and compares `model`
 * with the best peer's figures there. `--design` runs the earlier cutoffs and generated shops the design was
 * chosen on (their truth ends before the benchmark cutoffs, or they are simulated): never choose a design on
 * the benchmark cutoffs. `--unseen` runs generated shops no design was chosen on (UNSEEN_CASES), a
 * generalization check like the benchmark cutoffs. Each case prints the backtest table;
 * `runAccuracyBench()` returns the benchmark figures for `npm run bench`. Online Retail is read from
 * `$VALUECAST_DATA_DIR/online-retail-uci/by-day`: a case that needs it stops with a message when it is unset.
 * `--seeds` fits `model` once per seed (rows `model seed=N`) and ends with each system's mean and standard
 * deviation over the seeds, per case and over all cases: decile MAPE on CDNOW moves by up to 0.18 between seeds, more
 * than most design changes, so compare designs on their means over seeds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type MetricsRow, metricsTable } from '../cli/metrics-table';
import {
  BASELINE_SYSTEMS,
  type BacktestResult,
  type BacktestSystem,
  runBacktest,
} from '../lib/evaluate/backtest';
import type { Metrics } from '../lib/evaluate/metrics';
import { loadTransactionsFromFiles } from '../lib/ingest';
import type { TransactionTable } from '../lib/ingest/transaction-table';
import { modelSystem } from '../lib/training/model-system';
import { generateToDirectory } from '../scripts/generate';
import { CDNOW_MASTER, requireOnlineRetailDays } from '../test/support/datasets';
import type { BenchFigure } from './figures';

/** The data files of a case, resolved when the case runs (Online Retail's folder may be absent). */
const CDNOW = () => [CDNOW_MASTER];
const RETAIL = () => [requireOnlineRetailDays()];

/** A backtest case: where the data comes from, the cutoff and horizon. */
export interface AccuracyCase {
  name: string;
  cutoff: string;
  horizonDays: number;
  data: { files: () => string[] } | { generated: GeneratedShop };
  /** The best peer's figures of docs/accuracy-protocol.md on this case (benchmark cutoffs only). */
  peers?: Pick<Metrics, 'gini' | 'spearman' | 'decileMape'>;
}

/** A shop of `npm run generate` (lib/generate/order-log.ts; by default two years from 2023-01-01). */
interface GeneratedShop {
  customers: number;
  seed: number;
  start?: string;
  days?: number;
}

/** The benchmark cutoffs of docs/accuracy-protocol.md: report on them, never tune on them. */
export const BENCHMARK_CASES: readonly AccuracyCase[] = [
  {
    name: 'cdnow',
    cutoff: '1997-12-31',
    horizonDays: 181,
    data: { files: CDNOW },
    peers: { gini: 0.752, spearman: 0.495, decileMape: 0.215 },
  },
  {
    name: 'retail',
    cutoff: '2011-09-09',
    horizonDays: 91,
    data: { files: RETAIL },
    peers: { gini: 0.77, spearman: 0.508, decileMape: 0.281 },
  },
];

/**
 * Where designs are chosen: earlier cutoffs of the two datasets (truth before the benchmark cutoffs; CDNOW's
 * customers all joined in 1997's first quarter, so a 181-day horizon has no labelled window before
 * mid-1997 and the CDNOW cases use 90 days, and 120 days for one labelled window only, as at the benchmark
 * cutoff, where a cohort that buys less every month must be extrapolated), two
 * generated two-year shops (lib/generate: seasonality with a Christmas peak, churn, returns), whose
 * September and 181-day cases' truth windows hold that peak, and two generated three-year shops at a
 * cutoff each quarter ({@link longShopCases}).
 */
export const DESIGN_CASES: readonly AccuracyCase[] = [
  { name: 'cdnow-q3', cutoff: '1997-09-30', horizonDays: 90, data: { files: CDNOW } },
  { name: 'cdnow-q2', cutoff: '1997-06-30', horizonDays: 90, data: { files: CDNOW } },
  { name: 'cdnow-h120', cutoff: '1997-08-31', horizonDays: 120, data: { files: CDNOW } },
  { name: 'retail-jun', cutoff: '2011-06-09', horizonDays: 91, data: { files: RETAIL } },
  { name: 'retail-mar', cutoff: '2011-03-09', horizonDays: 91, data: { files: RETAIL } },
  ...[1, 2].flatMap((seed) => [
    generatedCase(seed, 'jun', '2024-06-30', 90),
    generatedCase(seed, 'sep', '2024-09-30', 90),
    generatedCase(seed, 'h181', '2024-06-30', 181),
  ]),
  ...[5, 6].flatMap(longShopCases),
];

/**
 * Shops no design was chosen on (generated like the design shops, other seeds): a check that a design
 * generalizes, to report on like the benchmark cutoffs and never to tune on (docs/accuracy.md).
 */
export const UNSEEN_CASES: readonly AccuracyCase[] = [
  ...[3, 4].flatMap((seed) => [
    generatedCase(seed, 'sep', '2024-09-30', 90),
    generatedCase(seed, 'h181', '2024-06-30', 181),
  ]),
  ...longShopCases(7),
];

/**
 * A seeded three-year shop of 20,000 customers (from 2022-01-01) at the end of each quarter of 2024's first
 * nine months and of 2023, H90: the seasonal level has a year of history at every cutoff, and the calibrated
 * windows hold the Christmas peak at some (the December and March cutoffs), not at others.
 */
function longShopCases(seed: number): AccuracyCase[] {
  const shop = { customers: 20_000, seed, start: '2022-01-01', days: 1095 };
  return [
    ['dec', '2023-12-31'],
    ['mar', '2024-03-31'],
    ['jun', '2024-06-30'],
    ['sep', '2024-09-30'],
  ].map(([label, cutoff]) => ({
    name: `long${seed}-${label}`,
    cutoff: cutoff as string,
    horizonDays: 90,
    data: { generated: shop },
  }));
}

/** A seeded `npm run generate` shop of 5,000 customers (two years from 2023-01-01) at one cutoff. */
function generatedCase(seed: number, label: string, cutoff: string, horizonDays: number): AccuracyCase {
  return {
    name: `generated${seed}-${label}`,
    cutoff,
    horizonDays,
    data: { generated: { customers: 5000, seed } },
  };
}

const tables = new Map<string, Promise<TransactionTable>>();

/** The transactions of a case, loaded (or generated) once per process. */
export function caseTable(c: AccuracyCase): Promise<TransactionTable> {
  const key = JSON.stringify(c.data);
  let table = tables.get(key);
  if (!table) {
    table = 'files' in c.data ? loadFiles(c.data.files()) : generatedTable(c.data.generated);
    tables.set(key, table);
  }
  return table;
}

async function loadFiles(files: string[]): Promise<TransactionTable> {
  return (await loadTransactionsFromFiles(files)).table;
}

/** A seeded shop of `npm run generate`, loaded like a shop's export. */
async function generatedTable(options: GeneratedShop): Promise<TransactionTable> {
  const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-accuracy-'));
  try {
    await generateToDirectory({ ...options, out: dir });
    return await loadFiles([dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Run the backtest of each case with the baselines and `model` (or the named systems). */
export async function runAccuracyCases(
  cases: readonly AccuracyCase[],
  options: {
    systems?: string[];
    /** Fit `model` once per seed, as `model seed=N`; default one fit with the default seed. */
    seeds?: number[];
    onResult?: (c: AccuracyCase, result: BacktestResult) => void;
  } = {},
): Promise<{ case: AccuracyCase; result: BacktestResult }[]> {
  const models = options.seeds
    ? options.seeds.map((seed) => modelSystem({ name: `model seed=${seed}`, fit: { seed } }))
    : [modelSystem()];
  const all = [...BASELINE_SYSTEMS, ...models];
  const names = [...BASELINE_SYSTEMS.map((s) => s.name), 'model'];
  const unknown = options.systems?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`no system named ${unknown.join(', ')}; choose from ${names.join(', ')}`);
  const chosen = (s: BacktestSystem) =>
    options.systems?.includes(s.name.startsWith('model') ? 'model' : s.name) ?? true;
  const systems = all.filter(chosen);
  const results: { case: AccuracyCase; result: BacktestResult }[] = [];
  for (const c of cases) {
    const table = await caseTable(c);
    const result = await runBacktest(table, { cutoff: c.cutoff, horizonDays: c.horizonDays, systems });
    options.onResult?.(c, result);
    results.push({ case: c, result });
  }
  return results;
}

const TARGET_METRICS = ['gini', 'spearman', 'decileMape'] as const;
type TargetMetric = (typeof TARGET_METRICS)[number];
type TargetMetrics = Pick<Metrics, TargetMetric>;

/**
 * The accuracy target of docs/accuracy-protocol.md as bench figures: `model`'s Gini and Spearman (higher is
 * better) and decile MAPE (lower is better) on both benchmark cutoffs, each beside the best peer's figure.
 */
export async function runAccuracyBench(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const { case: c, result } of await runAccuracyCases(BENCHMARK_CASES)) {
    const model = result.systems.find((s) => s.name === 'model');
    if (!model || !c.peers) continue;
    for (const metric of TARGET_METRICS) {
      const value = model.metrics[metric];
      const peer = c.peers[metric];
      const lowerIsBetter = metric === 'decileMape';
      figures.push({
        group: 'accuracy',
        name: `${c.name} ${c.cutoff} H${c.horizonDays}: model ${metric}`,
        value,
        unit: '',
        reference: { name: 'best peer', value: peer },
        ratio: value / peer,
        target: lowerIsBetter ? '≤ best peer' : '> best peer',
        met: lowerIsBetter ? value <= peer : value > peer,
      });
    }
  }
  return figures;
}

function printResult(c: AccuracyCase, result: BacktestResult): void {
  console.log(
    `\n${c.name}: cutoff ${result.cutoff}, H ${result.horizonDays}, ${result.customers} customers, ` +
      `${(100 * result.returningShare).toFixed(1)}% returning`,
  );
  const rows: MetricsRow[] = result.systems.map((s) => ({
    name: s.name,
    metrics: s.metrics,
    extra: [s.seconds.toFixed(0)],
  }));
  if (c.peers) rows.push({ name: 'best peer', metrics: c.peers, extra: [''] });
  console.log(metricsTable(rows, ['s']));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      design: { type: 'boolean', default: false },
      unseen: { type: 'boolean', default: false },
      benchmark: { type: 'boolean', default: false },
      cases: { type: 'string' },
      systems: { type: 'string' },
      seeds: { type: 'string' },
    },
  });
  const seeds = values.seeds?.split(',').map(parseSeed);
  const pool = [
    ...(values.design ? DESIGN_CASES : []),
    ...(values.unseen ? UNSEEN_CASES : []),
    ...(values.benchmark || !(values.design || values.unseen) ? BENCHMARK_CASES : []),
  ];
  const names = values.cases?.split(',');
  const cases = names ? pool.filter((c) => names.includes(c.name)) : pool;
  if (cases.length === 0)
    throw new Error(`no case named ${names?.join(', ')} in ${pool.map((c) => c.name).join(', ')}`);
  const results = await runAccuracyCases(cases, {
    systems: values.systems?.split(','),
    seeds,
    onResult: printResult,
  });
  if (seeds) printSeedSummary(results);
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seeds takes whole numbers ≥ 0, got "${text}"`);
  return seed;
}

/** Per case and over all cases: each system's mean ± standard deviation over the `model seed=N` rows. */
function printSeedSummary(results: { case: AccuracyCase; result: BacktestResult }[]): void {
  const perCase = results.map(({ case: c, result }) => ({
    name: c.name,
    seeds: result.systems.filter((s) => s.name.startsWith('model seed=')).map((s) => s.metrics),
  }));
  console.log('\nmodel over seeds: mean ± sd');
  for (const { name, seeds } of perCase) console.log(`${name.padEnd(18)} ${summarize(seeds)}`);
  const caseMeans = perCase.map(({ seeds }) => meanMetrics(seeds));
  console.log(`${'mean of cases'.padEnd(18)} ${summarize(caseMeans)}`);
}

function summarize(rows: TargetMetrics[]): string {
  return TARGET_METRICS.map((m) => {
    const values = rows.map((r) => r[m]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
    return `${m} ${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
  }).join('  ');
}

/** The mean of each target metric over the rows. */
function meanMetrics(rows: TargetMetrics[]): TargetMetrics {
  const mean = (m: TargetMetric) => rows.reduce((a, r) => a + r[m], 0) / rows.length;
  return { gini: mean('gini'), spearman: mean('spearman'), decileMape: mean('decileMape') };
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
