/**
 * Out-of-time accuracy of `model` against the baselines (BRIEF.md "Accuracy benchmark"):
 *   npx tsx bench/accuracy.ts [--design] [--brief] [--cases name,name] [--systems name,name]
 * `--brief` (the default) runs the two BRIEF.md cutoffs and compares `model` with the best peer's figures
 * there. `--design` runs the earlier cutoffs and generated shops the design was chosen on (their truth ends
 * before the BRIEF cutoffs, or they are simulated): never choose a design on the BRIEF cutoffs.
 * Each case prints the backtest table; `runAccuracyBench()` returns the BRIEF figures for `npm run bench`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type MetricsRow, metricsTable } from '../cli/metrics-table';
import type { Metrics } from '../lib/evaluate/metrics';
import { loadTransactionsFromFiles } from '../lib/ingest';
import type { TransactionTable } from '../lib/ingest/transaction-table';
import { BASELINE_SYSTEMS, type BacktestResult, runBacktest } from '../lib/training/backtest';
import { modelSystem } from '../lib/training/model-system';
import { generateToDirectory } from '../scripts/generate';
import type { BenchFigure } from './figures';

const DATA = path.resolve(__dirname, '../../shared/data');
const CDNOW = [`${DATA}/cdnow/CDNOW_master.txt`];
const RETAIL = [`${DATA}/online-retail-uci/by-day`];

/** A backtest case: where the data comes from, the cutoff and horizon. */
export interface AccuracyCase {
  name: string;
  cutoff: string;
  horizonDays: number;
  data: { files: string[] } | { generated: { customers: number; seed: number } };
  /** The best peer's figures of BRIEF.md on this case (BRIEF cutoffs only). */
  peers?: Pick<Metrics, 'gini' | 'spearman' | 'decileMape'>;
}

/** The BRIEF.md cutoffs: report on them, never tune on them. */
export const BRIEF_CASES: readonly AccuracyCase[] = [
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
 * Where designs are chosen: earlier cutoffs of the two datasets (truth before the BRIEF cutoffs; CDNOW's
 * customers all joined in 1997's first quarter, so a 181-day horizon has no labelled window before
 * mid-1997 and the CDNOW cases use 90 days) and two
 * generated two-year shops (lib/generate: seasonality with a Christmas peak, churn, returns), whose
 * September and 181-day cases' truth windows hold that peak.
 */
export const DESIGN_CASES: readonly AccuracyCase[] = [
  { name: 'cdnow-q3', cutoff: '1997-09-30', horizonDays: 90, data: { files: CDNOW } },
  { name: 'cdnow-q2', cutoff: '1997-06-30', horizonDays: 90, data: { files: CDNOW } },
  { name: 'retail-jun', cutoff: '2011-06-09', horizonDays: 91, data: { files: RETAIL } },
  { name: 'retail-mar', cutoff: '2011-03-09', horizonDays: 91, data: { files: RETAIL } },
  ...[1, 2].flatMap((seed) => [
    {
      name: `generated${seed}-jun`,
      cutoff: '2024-06-30',
      horizonDays: 90,
      data: { generated: { customers: 5000, seed } },
    },
    {
      name: `generated${seed}-sep`,
      cutoff: '2024-09-30',
      horizonDays: 90,
      data: { generated: { customers: 5000, seed } },
    },
    {
      name: `generated${seed}-h181`,
      cutoff: '2024-06-30',
      horizonDays: 181,
      data: { generated: { customers: 5000, seed } },
    },
  ]),
];

const tables = new Map<string, Promise<TransactionTable>>();

/** The transactions of a case, loaded (or generated) once per process. */
export function caseTable(c: AccuracyCase): Promise<TransactionTable> {
  const key = JSON.stringify(c.data);
  let table = tables.get(key);
  if (!table) {
    table = 'files' in c.data ? loadFiles(c.data.files) : generatedTable(c.data.generated);
    tables.set(key, table);
  }
  return table;
}

async function loadFiles(files: string[]): Promise<TransactionTable> {
  return (await loadTransactionsFromFiles(files)).table;
}

/** A seeded shop of `npm run generate` (two years from 2023-01-01), loaded like a shop's export. */
async function generatedTable(options: { customers: number; seed: number }): Promise<TransactionTable> {
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
  options: { systems?: string[]; onResult?: (c: AccuracyCase, result: BacktestResult) => void } = {},
): Promise<{ case: AccuracyCase; result: BacktestResult }[]> {
  const all = [...BASELINE_SYSTEMS, modelSystem()];
  const unknown = options.systems?.filter((name) => !all.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `no system named ${unknown.join(', ')}; choose from ${all.map((s) => s.name).join(', ')}`,
    );
  const systems = options.systems ? all.filter((s) => options.systems?.includes(s.name)) : all;
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

/**
 * The BRIEF.md accuracy target as bench figures: `model`'s Gini and Spearman (higher is better) and decile
 * MAPE (lower is better) on both BRIEF cutoffs, each beside the best peer's figure.
 */
export async function runAccuracyBench(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const { case: c, result } of await runAccuracyCases(BRIEF_CASES)) {
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
        reference: { name: 'best peer (BRIEF.md)', value: peer },
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
  if (c.peers) rows.push({ name: 'best peer (BRIEF.md)', metrics: c.peers, extra: [''] });
  console.log(metricsTable(rows, ['s']));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      design: { type: 'boolean', default: false },
      brief: { type: 'boolean', default: false },
      cases: { type: 'string' },
      systems: { type: 'string' },
    },
  });
  const pool = [
    ...(values.design ? DESIGN_CASES : []),
    ...(values.brief || !values.design ? BRIEF_CASES : []),
  ];
  const names = values.cases?.split(',');
  const cases = names ? pool.filter((c) => names.includes(c.name)) : pool;
  if (cases.length === 0)
    throw new Error(`no case named ${names?.join(', ')} in ${pool.map((c) => c.name).join(', ')}`);
  await runAccuracyCases(cases, { systems: values.systems?.split(','), onResult: printResult });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
