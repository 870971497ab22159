/**
 * The cases `bench/accuracy.ts` runs: where designs are chosen (the design suite), where they are reported
 * (the benchmark cutoffs of docs/accuracy-protocol.md) and shops no design was chosen on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Metrics } from '../lib/evaluate/metrics';
import { SHOP_SCENARIOS, type ShopScenario } from '../lib/generate/shop-scenarios';
import { loadTransactionsFromFiles } from '../lib/ingest';
import type { TransactionTable } from '../lib/ingest/transaction-table';
import { DAY_MS } from '../lib/time';
import { generateToDirectory } from '../scripts/generate';
import { CDNOW_MASTER, requireOnlineRetailDays } from '../test/support/datasets';

/** The data files of a case, resolved when the case runs (Online Retail's folder may be absent). */
const CDNOW = () => [CDNOW_MASTER];
const RETAIL = () => [requireOnlineRetailDays()];

/** A backtest case: where the data comes from, the cutoff and horizon. */
export interface AccuracyCase {
  name: string;
  cutoff: string;
  horizonDays: number;
  data: { files: () => string[] } | { scenario: ShopScenario; seed: number };
  /** The best peer's figures of docs/accuracy-protocol.md on this case (benchmark cutoffs only). */
  peers?: Pick<Metrics, 'gini' | 'spearman' | 'decileMape'>;
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

/** Customers of the suite's small shops: fewer purchases to learn every parameter from. */
const SMALL_SHOP_CUSTOMERS = 600;

/** The seeds of the design suite's generated shops; {@link UNSEEN_SEEDS} are never designed on. */
export const DESIGN_SEEDS = [1, 2, 3] as const;
export const UNSEEN_SEEDS = [7, 8] as const;

/**
 * The design suite, where every design decision is measured (docs/accuracy.md):
 * - rolling month-end cutoffs of the two real logs at each horizon where two horizons of history are
 *   visible and the truth window ends by the benchmark cutoff (whose truth is never designed on): CDNOW
 *   H60 / H90 / H120 (12 cases), Online Retail H60 / H91 (5 cases);
 * - every scenario of lib/generate/shop-scenarios.ts (growth and shrinking, promotional bursts whose
 *   customers come back less or as much, a holiday peak that ends at the cutoff or lies ahead, a young
 *   shop and an old one, a single ageing cohort, a fast-growing direct-to-consumer shop) with seeds 1–3,
 *   and once more as a small shop of 600 customers (seed 1).
 */
export const DESIGN_CASES: readonly AccuracyCase[] = [
  ...rollingCases('cdnow', CDNOW, '1997-01-01', '1997-12-31', [60, 90, 120]),
  ...rollingCases('retail', RETAIL, '2010-12-01', '2011-09-09', [60, 91]),
  ...DESIGN_SEEDS.flatMap((seed) => SHOP_SCENARIOS.map((scenario) => scenarioCase(scenario, seed))),
  ...SHOP_SCENARIOS.map((scenario) => scenarioCase(smallShop(scenario), 1)),
];

/** A scenario's shop with 600 customers (a small shop: fewer purchases to learn every parameter from). */
function smallShop(scenario: ShopScenario): ShopScenario {
  return {
    ...scenario,
    name: `${scenario.name}-small`,
    shop: { ...scenario.shop, customers: SMALL_SHOP_CUSTOMERS },
  };
}

/** The scenarios with seeds no design was chosen on: to report on, like the benchmark cutoffs. */
export const UNSEEN_CASES: readonly AccuracyCase[] = [
  ...UNSEEN_SEEDS.flatMap((seed) => SHOP_SCENARIOS.map((scenario) => scenarioCase(scenario, seed))),
  ...SHOP_SCENARIOS.map((scenario) => scenarioCase(smallShop(scenario), UNSEEN_SEEDS[0])),
];

/**
 * Month-end cutoffs of a real log, at each horizon, where two horizons of history are visible (from
 * `firstDay`) and the truth window ends on or before `truthEnd`.
 */
function rollingCases(
  name: string,
  files: () => string[],
  firstDay: string,
  truthEnd: string,
  horizons: readonly number[],
): AccuracyCase[] {
  const first = Date.parse(`${firstDay}T00:00:00Z`);
  const lastTruthDay = Date.parse(`${truthEnd}T00:00:00Z`);
  const cases: AccuracyCase[] = [];
  for (const horizonDays of horizons) {
    for (let month = new Date(first); ; month.setUTCMonth(month.getUTCMonth() + 1)) {
      const monthEnd = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0);
      const asOf = monthEnd + DAY_MS;
      if (asOf + (horizonDays - 1) * DAY_MS > lastTruthDay) break;
      if (asOf - first < 2 * horizonDays * DAY_MS) continue;
      const cutoff = new Date(monthEnd).toISOString().slice(0, 10);
      cases.push({
        name: `${name}-${cutoff.slice(0, 7)}-h${horizonDays}`,
        cutoff,
        horizonDays,
        data: { files },
      });
    }
  }
  return cases;
}

function scenarioCase(scenario: ShopScenario, seed: number): AccuracyCase {
  return {
    name: `${scenario.name}-s${seed}`,
    cutoff: scenario.cutoff,
    horizonDays: scenario.horizonDays,
    data: { scenario, seed },
  };
}

const tables = new Map<string, Promise<TransactionTable>>();

/** The transactions of a case, loaded (or generated) once per process. */
export function caseTable(c: AccuracyCase): Promise<TransactionTable> {
  const key = 'files' in c.data ? c.data.files().join('\n') : `${c.data.scenario.name} ${c.data.seed}`;
  let table = tables.get(key);
  if (!table) {
    table = 'files' in c.data ? loadFiles(c.data.files()) : scenarioTable(c.data.scenario, c.data.seed);
    tables.set(key, table);
  }
  return table;
}

async function loadFiles(files: string[]): Promise<TransactionTable> {
  return (await loadTransactionsFromFiles(files)).table;
}

/** A scenario's shop written as monthly exports, as `npm run generate` does, and loaded like a shop's export. */
async function scenarioTable(scenario: ShopScenario, seed: number): Promise<TransactionTable> {
  const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-accuracy-'));
  try {
    await generateToDirectory({ ...scenario.shop, seed, out: dir });
    return await loadFiles([dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
