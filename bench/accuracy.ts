/**
 * Out-of-time accuracy of `model` against the baselines (docs/accuracy-protocol.md, docs/accuracy.md):
 *   npx tsx bench/accuracy.ts [--design] [--unseen] [--benchmark] [--cases name,name] [--systems name,name]
 *                             [--seeds 1,2,3] [--shard k/n] [--json file]
 *   npx tsx bench/accuracy.ts --summarize file.json [file.json …]
 * `--benchmark` (the default) runs the two benchmark cutoffs and compares `model` with the best peer's
 * figures there: report on them, never choose on them. `--design` runs the design suite (bench/accuracy-cases.ts:
 * rolling cutoffs of CDNOW and Online Retail, generated shop scenarios with seeds 1–3), where every design is
 * chosen; `--unseen` the scenarios with seeds no design was chosen on. Each case prints the backtest table
 * (with the total ratio: predicted total / actual total) and the model's shop total with its 80% interval;
 * the run ends with a summary over the cases: mean Gini, Spearman and decile MAPE, how many totals were within
 * ±20% of the actual, the worst case, and how often the 80% interval held the actual total; and the
 * customers' own 80% intervals (predicted_p10 … predicted_p90): the share of customers whose actual spend
 * they held, what the model expected, the share among customers whose interval holds exactly 80%, and the
 * randomized PIT (docs/accuracy.md "Per-customer intervals").
 * `--shard k/n` runs every n-th case from the k-th (two shards use both cores: run them as two processes),
 * `--json` writes the figures, and `--summarize` prints the summary of such files together.
 * `--seeds` fits `model` once per seed (rows `model seed=N`) and ends with its mean and standard deviation over
 * the seeds: decile MAPE on CDNOW moves by up to 0.18 between seeds, so compare designs on means over seeds.
 * Online Retail is read from `$VALUECAST_DATA_DIR/online-retail-uci/by-day`: a case that needs it stops with a
 * message when it is unset. `runAccuracyBench()` returns the benchmark figures for `npm run bench`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type MetricsRow, metricsTable } from '../cli/metrics-table';
import {
  BASELINE_SYSTEMS,
  type BacktestResult,
  type BacktestSystem,
  runBacktest,
} from '../lib/evaluate/backtest';
import type { Metrics } from '../lib/evaluate/metrics';
import { customerMixture } from '../lib/features/customer-outlook';
import { type ShopForecast, seasonalLevel } from '../lib/model/seasonal-level';
import {
  type IntervalCoverage,
  intervalCoverage,
  type SpendIntervals,
  type SpendMixture,
  spendIntervals,
} from '../lib/model/spend-distribution';
import type { ValueModelFit } from '../lib/training/fit-value-model';
import { modelSystem } from '../lib/training/model-system';
import { type AccuracyCase, BENCHMARK_CASES, caseTable, DESIGN_CASES, UNSEEN_CASES } from './accuracy-cases';
import type { BenchFigure } from './figures';

/** Run the backtest of each case with the baselines and `model` (or the named systems). */
export async function runAccuracyCases(
  cases: readonly AccuracyCase[],
  options: {
    systems?: string[];
    /** Fit `model` once per seed, as `model seed=N`; default one fit with the default seed. */
    seeds?: number[];
    onResult?: (c: AccuracyCase, result: BacktestResult, forecasts: Map<string, ModelFigures>) => void;
  } = {},
): Promise<CaseResult[]> {
  let forecasts = new Map<string, ModelFigures>();
  let mixtures = new Map<string, { mixture: SpendMixture; intervals: SpendIntervals }>();
  const record = (name: string) => (fit: ValueModelFit) => {
    if (fit.forecast) forecasts.set(name, { ...fit.forecast });
    const mixture = customerMixture(fit.model, fit.featureSpec, fit.scoring);
    if (mixture) mixtures.set(name, { mixture, intervals: spendIntervals(mixture) });
  };
  const models = options.seeds
    ? options.seeds.map((seed) =>
        modelSystem({ name: `model seed=${seed}`, fit: { seed }, onFit: record(`model seed=${seed}`) }),
      )
    : [modelSystem({ onFit: record('model') })];
  const all = [...BASELINE_SYSTEMS, seasonalBgNbdSystem, ...models];
  const names = [...BASELINE_SYSTEMS.map((s) => s.name), seasonalBgNbdSystem.name, 'model'];
  const unknown = options.systems?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`no system named ${unknown.join(', ')}; choose from ${names.join(', ')}`);
  const chosen = (s: BacktestSystem) =>
    options.systems?.includes(s.name.startsWith('model') ? 'model' : s.name) ?? s !== seasonalBgNbdSystem;
  const systems = all.filter(chosen);
  const results: CaseResult[] = [];
  for (const c of cases) {
    const table = await caseTable(c);
    forecasts = new Map();
    mixtures = new Map();
    const result = await runBacktest(table, { cutoff: c.cutoff, horizonDays: c.horizonDays, systems });
    // The fit scored the backtest's customers in the same order (computeFeatures on the same visible table).
    for (const [name, { mixture, intervals }] of mixtures) {
      const figures = forecasts.get(name);
      if (figures && mixture.rows === result.actual.length)
        figures.interval = intervalCoverage(mixture, intervals, result.actual);
    }
    options.onResult?.(c, result, forecasts);
    results.push({ case: c, result, forecasts });
  }
  return results;
}

/**
 * The model's money level on its own (lib/model/seasonal-level.ts): each customer's seasonal BG/NBD +
 * Gamma-Gamma expected spend. Seconds a case, so level designs are compared on the whole suite quickly
 * (`--systems seasonal_bgnbd`); not run unless named.
 */
const seasonalBgNbdSystem: BacktestSystem = {
  name: 'seasonal_bgnbd',
  predict: async ({ features, asOf, horizonDays, scoring }) =>
    Float32Array.from(
      seasonalLevel(await features.purchaseHistory(asOf, scoring.customers), horizonDays).expectedSpend,
    ),
};

/** What a model row adds to its metrics: the shop forecast with its 80% interval, the customers' intervals. */
type ModelFigures = ShopForecast & { interval?: IntervalCoverage };

interface CaseResult {
  case: AccuracyCase;
  result: BacktestResult;
  /** The shop forecast of each model row (with its 80% interval) and its customers' interval coverage. */
  forecasts: Map<string, ModelFigures>;
}

/** What `--json` writes per case and `--summarize` reads. */
interface CaseFigures {
  name: string;
  actualTotal: number;
  systems: Record<string, Metrics & { forecast?: ModelFigures }>;
}

function caseFigures({ case: c, result, forecasts }: CaseResult): CaseFigures {
  let actualTotal = 0;
  for (const v of result.actual) actualTotal += v;
  return {
    name: c.name,
    actualTotal,
    systems: Object.fromEntries(
      result.systems.map((s) => [s.name, { ...s.metrics, forecast: forecasts.get(s.name) }]),
    ),
  };
}

const TARGET_METRICS = ['gini', 'spearman', 'decileMape'] as const;
type TargetMetric = (typeof TARGET_METRICS)[number];
type TargetMetrics = Pick<Metrics, TargetMetric>;

/**
 * The accuracy target of docs/accuracy-protocol.md as bench figures: `model`'s Gini and Spearman (higher is
 * better) and decile MAPE (lower is better) on both benchmark cutoffs, each beside the best peer's figure,
 * and its predicted total over the actual one (target within ±20%).
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
    const ratio = model.metrics.totalRatio;
    figures.push({
      group: 'accuracy',
      name: `${c.name} ${c.cutoff} H${c.horizonDays}: model total / actual total`,
      value: ratio,
      unit: '',
      target: '0.8–1.2',
      met: ratio >= 0.8 && ratio <= 1.2,
    });
  }
  return figures;
}

function printResult(c: AccuracyCase, result: BacktestResult, forecasts: Map<string, ModelFigures>): void {
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
  let actual = 0;
  for (const v of result.actual) actual += v;
  for (const [name, f] of forecasts)
    console.log(
      `${name}: predicted total ${f.total.toFixed(0)}, 80% interval ${f.low.toFixed(0)}–${f.high.toFixed(0)} ` +
        `(actual ${actual.toFixed(0)}: ${actual >= f.low && actual <= f.high ? 'inside' : 'outside'}), level ×${f.levelFactor.toFixed(3)}, season from ${f.season}` +
        (f.interval ? `\n${name}: customers' 80% intervals: ${describeCoverage(f.interval)}` : ''),
    );
}

/** One line on how the customers' 80% intervals held (lib/model/spend-distribution.ts IntervalCoverage). */
function describeCoverage(c: IntervalCoverage): string {
  return (
    `${(100 * c.inside).toFixed(1)}% of ${c.customers} inside (the model expects ${(100 * c.expected).toFixed(1)}%), ` +
    `${(100 * c.exactly80.inside).toFixed(1)}% of the ${c.exactly80.customers} whose interval holds exactly 80%, ` +
    `randomized PIT in [0.1, 0.9] ${(100 * c.pit80).toFixed(1)}%`
  );
}

/**
 * Over the cases, per system: mean Gini, Spearman and decile MAPE with the worst decile MAPE, the share of
 * cases whose predicted total is within ±20% of the actual and the worst total ratio, and for the model rows
 * the share of cases whose actual total fell inside the 80% interval.
 */
function printSummary(figures: CaseFigures[]): void {
  const systems = [...new Set(figures.flatMap((f) => Object.keys(f.systems)))];
  console.log(`\nsummary over ${figures.length} cases`);
  for (const name of systems) {
    const rows = figures.flatMap((f) => (f.systems[name] ? [{ case: f, m: f.systems[name] }] : []));
    const mean = (key: 'gini' | 'spearman' | 'decileMape') =>
      rows.reduce((a, r) => a + r.m[key], 0) / rows.length;
    const worstMape = rows.reduce((a, r) => (r.m.decileMape > a.m.decileMape ? r : a));
    const logRatio = (r: (typeof rows)[number]) => Math.abs(Math.log(r.m.totalRatio));
    const worstTotal = rows.reduce((a, r) => (logRatio(r) > logRatio(a) ? r : a));
    const within = rows.filter((r) => r.m.totalRatio >= 0.8 && r.m.totalRatio <= 1.2).length;
    const withForecast = rows.filter((r) => r.m.forecast);
    const covered = withForecast.filter(
      (r) =>
        r.case.actualTotal >= (r.m.forecast?.low ?? 0) && r.case.actualTotal <= (r.m.forecast?.high ?? 0),
    ).length;
    console.log(
      `${name.padEnd(18)} Gini ${mean('gini').toFixed(3)}  Spearman ${mean('spearman').toFixed(3)}  ` +
        `decile MAPE ${mean('decileMape').toFixed(3)} (worst ${worstMape.m.decileMape.toFixed(3)} ${worstMape.case.name})  ` +
        `total within ±20% ${within}/${rows.length} (worst ×${worstTotal.m.totalRatio.toFixed(2)} ${worstTotal.case.name})` +
        (withForecast.length > 0 ? `  80% interval held the actual ${covered}/${withForecast.length}` : ''),
    );
    const withIntervals = rows.flatMap((r) =>
      r.m.forecast?.interval ? [{ name: r.case.name, c: r.m.forecast.interval }] : [],
    );
    if (withIntervals.length > 0) printCoverage(name, withIntervals);
  }
}

/** Per-customer coverage of the customers' 80% intervals over the cases: means, pooled, worst, in the target. */
function printCoverage(system: string, cases: { name: string; c: IntervalCoverage }[]): void {
  const mean = (of: (c: IntervalCoverage) => number) => cases.reduce((a, r) => a + of(r.c), 0) / cases.length;
  const pooled = (of: (c: IntervalCoverage) => [number, number]) => {
    const [inside, customers] = cases.reduce(
      ([i, n], r) => {
        const [share, count] = of(r.c);
        return [i + share * count, n + count];
      },
      [0, 0],
    );
    return inside / Math.max(1, customers);
  };
  const worst = (of: (c: IntervalCoverage) => number) =>
    cases.reduce((a, r) => (Math.abs(of(r.c) - 0.8) > Math.abs(of(a.c) - 0.8) ? r : a));
  const inTarget = (of: (c: IntervalCoverage) => number) =>
    cases.filter((r) => of(r.c) >= 0.75 && of(r.c) <= 0.85).length;
  const line = (label: string, of: (c: IntervalCoverage) => number, pooledShare: number) => {
    const w = worst(of);
    return (
      `  ${label.padEnd(44)} mean ${mean(of).toFixed(3)}  pooled ${pooledShare.toFixed(3)}  ` +
      `in 0.75–0.85 ${inTarget(of)}/${cases.length}  worst ${of(w.c).toFixed(3)} ${w.name}`
    );
  };
  console.log(`${system}: customers' 80% intervals over ${cases.length} cases`);
  console.log(
    line(
      'inside (every customer)',
      (c) => c.inside,
      pooled((c) => [c.inside, c.customers]),
    ),
  );
  console.log(
    line(
      '  the model expects',
      (c) => c.expected,
      pooled((c) => [c.expected, c.customers]),
    ),
  );
  console.log(
    line(
      'inside, where the interval holds exactly 80%',
      (c) => c.exactly80.inside,
      pooled((c) => [c.exactly80.inside, c.exactly80.customers]),
    ),
  );
  console.log(
    line(
      'randomized PIT in [0.1, 0.9]',
      (c) => c.pit80,
      pooled((c) => [c.pit80, c.customers]),
    ),
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      design: { type: 'boolean', default: false },
      unseen: { type: 'boolean', default: false },
      benchmark: { type: 'boolean', default: false },
      cases: { type: 'string' },
      systems: { type: 'string' },
      seeds: { type: 'string' },
      shard: { type: 'string', default: '1/1' },
      json: { type: 'string' },
      summarize: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (values.summarize) {
    printSummary(positionals.flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as CaseFigures[]));
    return;
  }
  const seeds = values.seeds?.split(',').map(parseSeed);
  const shard = /^(\d+)\/(\d+)$/.exec(values.shard);
  const [k, n] = shard ? [Number(shard[1]), Number(shard[2])] : [0, 0];
  if (!(k >= 1 && k <= n)) throw new Error(`--shard takes k/n with 1 ≤ k ≤ n, got "${values.shard}"`);
  const pool = [
    ...(values.design ? DESIGN_CASES : []),
    ...(values.unseen ? UNSEEN_CASES : []),
    ...(values.benchmark || !(values.design || values.unseen) ? BENCHMARK_CASES : []),
  ];
  const names = values.cases?.split(',');
  const cases = (names ? pool.filter((c) => names.includes(c.name)) : pool).filter((_, i) => i % n === k - 1);
  if (cases.length === 0)
    throw new Error(`no case named ${names?.join(', ')} in ${pool.map((c) => c.name).join(', ')}`);
  const results = await runAccuracyCases(cases, {
    systems: values.systems?.split(','),
    seeds,
    onResult: printResult,
  });
  if (seeds) printSeedSummary(results);
  const figures = results.map(caseFigures);
  if (figures.length > 1) printSummary(figures);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 1)}\n`);
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seeds takes whole numbers ≥ 0, got "${text}"`);
  return seed;
}

/** Per case and over all cases: each system's mean ± standard deviation over the `model seed=N` rows. */
function printSeedSummary(results: CaseResult[]): void {
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
