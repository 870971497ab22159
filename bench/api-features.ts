/**
 * The API's features for one posted customer, the two ways they could be built (run by bench/run.ts, once per
 * way, each in a fresh process as a cold Lambda would be; runnable alone):
 *   npx tsx bench/api-features.ts --path typescript|duckdb
 * `typescript`: computeFeatures, what lib/serving runs; `duckdb`: the batch path (lib/features/feature-engine.ts,
 * sql/customer-features.sql) on the request's rows, a DuckDB opened per request. Both with a model's fitted
 * spec given, as serving does. The first request includes loading the module (and DuckDB's native binding);
 * the warm figure is the median of the next ones. Figures go to stdout as one `BENCH_PART` line.
 */

import { parseArgs } from 'node:util';
import type { FeatureSpec } from '../lib/features/compute-features';
import { type TransactionTable, TransactionTableBuilder } from '../lib/ingest/transaction-table';
import { fitBgNbd } from '../lib/model/bg-nbd';
import { fitGammaGamma } from '../lib/model/gamma-gamma';
import { DAY_MS } from '../lib/time';
import { emitPart } from './part-output';

/** What this part prints as its `BENCH_PART` line (plus the process's peak RSS and CPU). */
export interface ApiFeaturesOutput {
  path: 'typescript' | 'duckdb';
  /** The first request in the process, module (and binding) loading included, ms. */
  firstRequestMs: number;
  /** Median of the next requests, ms. */
  warmRequestMs: number;
  requests: number;
}

const REQUESTS = 9;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { path: { type: 'string', default: 'typescript' } } });
  const path = values.path;
  if (path !== 'typescript' && path !== 'duckdb') throw new Error('--path must be typescript or duckdb');
  // A posted customer: a year of orders, one country.
  const builder = new TransactionTableBuilder();
  const start = Date.UTC(2011, 0, 3);
  for (let i = 0; i < 12; i++)
    builder.add({
      customerId: 'c1',
      time: start + i * 29 * DAY_MS,
      amount: 20 + i,
      orderId: `o${i}`,
      categories: { country: 'France' },
    });
  const table = builder.build();
  const asOf = start + 365 * DAY_MS;
  const x = Float64Array.from([0, 2, 5, 11]);
  const spec: FeatureSpec = {
    horizonDays: 90,
    categoryLevels: { country: ['France', 'Germany'] },
    bgNbd: fitBgNbd({
      frequency: x,
      recency: Float64Array.from([0, 40, 100, 300]),
      tenure: Float64Array.from([50, 120, 200, 330]),
    }),
    gammaGamma: fitGammaGamma(x, Float64Array.from([0, 30, 25, 40]), Float64Array.from([10, 20, 30, 40])),
  };
  const times: number[] = [];
  let build: (() => unknown) | undefined;
  for (let k = 0; k < REQUESTS; k++) {
    const started = performance.now();
    if (!build) build = await loadBuilder(path, table, asOf, spec);
    await build();
    times.push(performance.now() - started);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const ms = (v: number) => Math.round(v * 1000) / 1000;
  emitPart({
    path,
    firstRequestMs: ms(times[0] as number),
    warmRequestMs: ms(warm[warm.length >> 1] as number),
    requests: REQUESTS,
  } satisfies ApiFeaturesOutput);
}

/** The module of the path, loaded (the first request pays for it), and its call for the request. */
async function loadBuilder(
  path: 'typescript' | 'duckdb',
  table: TransactionTable,
  asOf: number,
  spec: FeatureSpec,
): Promise<() => unknown> {
  if (path === 'typescript') {
    const { computeFeatures } = await import('../lib/features/compute-features');
    return () => computeFeatures(table, asOf, spec);
  }
  const { withFeatureEngine } = await import('../lib/features/feature-engine');
  return () => withFeatureEngine(table, (engine) => engine.features(asOf, spec));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
