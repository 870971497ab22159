/**
 * Serving benchmark (docs/scaling.md "Performance targets", serving): on the real local stack
 * (serverless offline + s3rver), with a generated shop uploaded, preprocessed and trained through the
 * Lambdas, it measures
 *   - warm latency p50/p99 of `POST /predict` for 1 customer and for a batch of 100, beside the empty
 *     handler (functions/ping.ts) on the same stack posted the same bodies (`POST /ping`: serverless
 *     offline's own body handling costs a few ms, which both then include), and `GET /ping`, all
 *     interleaved in small blocks so a busy machine slows them alike; the ratio 1 customer / empty
 *     handler with the same body is the target (≤ 1.5×);
 *   - cold start: the first `POST /predict` on a fresh worker after the model is promoted (worker start,
 *     bundle import, TF.js wasm init, champion pointer + model + predictions.csv from S3, the prediction),
 *     beside the empty handler's own cold start; the model-load part is read from the function's
 *     `champion loaded` log line. Fresh workers come from serverless offline's idle termination
 *     (`--terminateIdleLambdaTime`): the benchmark waits for it, as a cold start on AWS follows idling;
 *   - a bounded load test on loopback: concurrent clients sending a fixed number of requests (zero errors
 *     expected), with throughput and latency.
 *
 *   npx tsx bench/serving.ts [--customers 2000] [--calls 200] [--cold-starts 3] [--clients 8] [--requests 1600]
 *
 * Figures go to stdout as JSON (bench/run.ts runs `runServingBench` through figures-part.ts), progress to
 * stderr, the local stack's output to a log file named on stderr.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { TrainResult } from '../functions/train';
import { orderLogCsv } from '../lib/generate/order-log';
import { loadNormalizedTransactions } from '../lib/ingest';
import type { TransactionTable } from '../lib/ingest/transaction-table';
import { uploadKey, uploadsPrefix } from '../lib/store/bucket-layout';
import { localStack, startLocalStack } from '../scripts/local-stack';
import { bucketStore, invokeFunction, uniqueDataset, waitForReport } from '../scripts/stack-client';
import { postedCustomer } from '../test/support/posted-customer';
import type { BenchFigure } from './figures';

export interface ServingBenchOptions {
  /** Customers of the generated shop (default 2000). */
  customers?: number;
  /** Measured sequential calls per route for warm latency (default 200, after 20 warm-up calls). */
  calls?: number;
  /** Cold starts measured (default 3). */
  coldStarts?: number;
  /** Concurrent clients of the load test (default 8). */
  clients?: number;
  /** Requests of the load test, all clients together (default 1600). */
  requests?: number;
  /** Progress lines (default: stderr). */
  progress?: (line: string) => void;
}

/** Seconds an idle worker lives; the cold-start samples wait a little over two of these. */
const IDLE_WORKER_SECONDS = 4;
/** Calls per route in one block of the interleaved warm measurement. */
const BLOCK = 10;
const WARM_UP_CALLS = 20;

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** Run the serving benchmark on a local stack it starts and stops; returns its figures. */
export async function runServingBench(options: ServingBenchOptions = {}): Promise<BenchFigure[]> {
  const customers = options.customers ?? 2000;
  const calls = options.calls ?? 200;
  const coldStarts = options.coldStarts ?? 3;
  const clients = options.clients ?? 8;
  const requests = options.requests ?? 1600;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`serving: ${line}\n`));

  const scratch = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-serving-'));
  const logPath = `${scratch}.log`;
  const log = createWriteStream(logPath);
  const modelLoads: number[] = [];
  progress(`starting the local stack (output: ${logPath})`);
  const stack = await startLocalStack({
    s3Directory: path.join(scratch, 's3'),
    idleWorkerSeconds: IDLE_WORKER_SECONDS,
    onOutput: (line) => {
      log.write(`${line}\n`);
      const loaded = championLoadMs(line);
      if (loaded !== undefined) modelLoads.push(loaded);
    },
  });
  try {
    const shop = await trainShop(customers, progress);
    const ping: Call = { method: 'GET', path: '/ping' };
    const one: Call = {
      method: 'POST',
      path: '/predict',
      body: predictBody(shop, [medianCustomer(shop.table)]),
    };
    const hundred: Call = {
      method: 'POST',
      path: '/predict',
      body: predictBody(shop, spreadCustomers(shop.table, 100)),
    };
    const emptyOne: Call = { ...one, path: '/ping' };
    const emptyHundred: Call = { ...hundred, path: '/ping' };

    // Right after promotion the predict worker is gone (training took longer than the idle time).
    progress(`cold starts (${coldStarts}, ${IDLE_WORKER_SECONDS} s idle termination)`);
    const cold = { ping: [] as number[], predict: [] as number[], load: [] as number[] };
    for (let i = 0; i < coldStarts; i++) {
      await sleep((2 * IDLE_WORKER_SECONDS + 1) * 1000);
      const loadsBefore = modelLoads.length;
      cold.ping.push(await timedCall(ping));
      cold.predict.push(await timedCall(one));
      await sleep(200); // the log line travels through serverless offline's output
      const load = modelLoads[loadsBefore];
      if (modelLoads.length !== loadsBefore + 1 || load === undefined)
        throw new Error(
          `cold start ${i + 1}: expected one champion load, saw ${modelLoads.length - loadsBefore}`,
        );
      cold.load.push(load);
    }

    progress(`warm latency (${calls} calls per route, interleaved in blocks of ${BLOCK})`);
    const warm = await warmLatencies({ ping, emptyOne, one, emptyHundred, hundred }, calls);

    progress(`load test (${clients} clients, ${requests} requests of 1 customer)`);
    const load = await loadTest(one, clients, requests);

    return servingFigures({ shop, warm, cold, load, clients });
  } finally {
    await stack.stop();
    log.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

interface TrainedShop {
  dataset: string;
  version: string;
  customers: number;
  table: TransactionTable;
}

async function trainShop(customers: number, progress: (line: string) => void): Promise<TrainedShop> {
  const dataset = uniqueDataset('bench-serving');
  progress(`uploading a generated shop of ${customers} customers to ${uploadsPrefix(dataset)}`);
  await bucketStore.put(uploadKey(dataset, 'orders.csv'), orderLogCsv({ customers, seed: 11, days: 730 }));
  await waitForReport(dataset, 'orders', 300_000);
  progress(`training (invoking ${localStack.functionName('train')})`);
  const { status, payload } = await invokeFunction('train', { dataset }, 900_000);
  const trained = (payload as TrainResult).trained?.[0];
  if (status !== 200 || !trained?.promoted) throw new Error(`training failed: ${JSON.stringify(payload)}`);
  const table = await loadNormalizedTransactions(bucketStore, dataset);
  return { dataset, version: trained.version, customers: table.customerIds.length, table };
}

function predictBody(shop: TrainedShop, ids: string[]): string {
  return JSON.stringify({
    dataset: shop.dataset,
    customers: ids.map((id) => postedCustomer(shop.table, id)),
  });
}

/** The customer with the median number of transactions: a typical single-customer request. */
function medianCustomer(table: TransactionTable): string {
  const counts = new Int32Array(table.customerIds.length);
  for (const c of table.customer) counts[c] = (counts[c] as number) + 1;
  const byCount = [...counts.keys()].sort((a, b) => (counts[a] as number) - (counts[b] as number));
  return table.customerIds[byCount[byCount.length >> 1] as number] as string;
}

/** `n` customers spread evenly over the table. */
function spreadCustomers(table: TransactionTable, n: number): string[] {
  const step = Math.max(1, Math.floor(table.customerIds.length / n));
  return Array.from({ length: n }, (_, i) => table.customerIds[i * step] as string);
}

/** Milliseconds of one call, which must answer 200. */
async function timedCall(call: Call): Promise<number> {
  const started = performance.now();
  const status = await send(call);
  const ms = performance.now() - started;
  if (status !== 200) throw new Error(`${call.method} ${call.path} answered ${status}`);
  return ms;
}

/** The status of one call, its body read to the end (what a client waits for). */
async function send(call: Call): Promise<number> {
  const response = await fetch(`${localStack.apiUrl}${call.path}`, {
    method: call.method,
    headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
    body: call.body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function warmLatencies<K extends string>(routes: Record<K, Call>, calls: number) {
  const entries = Object.entries(routes) as [K, Call][];
  for (const [, call] of entries) for (let i = 0; i < WARM_UP_CALLS; i++) await timedCall(call);
  const times = Object.fromEntries(entries.map(([name]) => [name, [] as number[]])) as Record<K, number[]>;
  for (let done = 0; done < calls; done += BLOCK)
    for (const [name, call] of entries)
      for (let i = 0; i < Math.min(BLOCK, calls - done); i++) times[name].push(await timedCall(call));
  return Object.fromEntries(entries.map(([name]) => [name, percentiles(times[name])])) as Record<
    K,
    Percentiles
  >;
}

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latency: Percentiles;
}

/** `clients` loops sharing `requests` calls; one warm-up round first, so every worker exists and is warm. */
async function loadTest(call: Call, clients: number, requests: number): Promise<LoadResult> {
  await Promise.all(Array.from({ length: clients }, () => timedCall(call)));
  let next = 0;
  let errors = 0;
  const times: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        next++;
        const sent = performance.now();
        const status = await send(call).catch(() => 0);
        times.push(performance.now() - sent);
        if (status !== 200) errors++;
      }
    }),
  );
  return { requests, errors, seconds: (performance.now() - started) / 1000, latency: percentiles(times) };
}

interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

function percentiles(times: number[]): Percentiles {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { p50: round(at(0.5)), p99: round(at(0.99)), n: sorted.length };
}

function median(values: number[]): number {
  return percentiles(values).p50;
}

/** The `durationMs` of a `champion loaded` log line of the predict function, if `line` is one. */
function championLoadMs(line: string): number | undefined {
  const start = line.indexOf('{"level"');
  if (start < 0 || !line.includes('"champion loaded"')) return undefined;
  try {
    const fields = JSON.parse(line.slice(start)) as { durationMs?: unknown };
    return typeof fields.durationMs === 'number' ? fields.durationMs : undefined;
  } catch {
    return undefined;
  }
}

function servingFigures(r: {
  shop: TrainedShop;
  warm: Record<'ping' | 'emptyOne' | 'one' | 'emptyHundred' | 'hundred', Percentiles>;
  cold: { ping: number[]; predict: number[]; load: number[] };
  load: LoadResult;
  clients: number;
}): BenchFigure[] {
  const { warm, cold, load } = r;
  const shop = `shop of ${r.shop.customers} customers, model ${r.shop.version}`;
  const coldPredict = median(cold.predict);
  return [
    {
      group: 'serving',
      name: 'warm POST /predict, 1 customer, p50',
      value: warm.one.p50,
      unit: 'ms',
      reference: { name: 'empty handler, same stack, same body (POST /ping)', value: warm.emptyOne.p50 },
      ratio: round(warm.one.p50 / warm.emptyOne.p50),
      target: '≤ 1.5× the empty handler',
      met: warm.one.p50 <= 1.5 * warm.emptyOne.p50,
      note: `p99 ${warm.one.p99} ms vs empty p99 ${warm.emptyOne.p99} ms; GET /ping (no body) p50 ${warm.ping.p50} ms, p99 ${warm.ping.p99} ms; ${warm.one.n} calls each, interleaved; ${shop}`,
    },
    {
      group: 'serving',
      name: 'warm POST /predict, 100 customers, p50',
      value: warm.hundred.p50,
      unit: 'ms',
      reference: { name: 'empty handler, same stack, same body (POST /ping)', value: warm.emptyHundred.p50 },
      ratio: round(warm.hundred.p50 / warm.emptyHundred.p50),
      note: `p99 ${warm.hundred.p99} ms vs empty p99 ${warm.emptyHundred.p99} ms; ${warm.hundred.n} calls each`,
    },
    {
      group: 'serving',
      name: 'cold start: model load from S3 on a fresh worker after promotion',
      value: median(cold.load),
      unit: 'ms',
      target: '< 500 ms',
      met: median(cold.load) < 500,
      note: `champion pointer, model.json + weights, meta.json, predictions.csv indexed; median of ${cold.load.length} (${cold.load.map(round).join(', ')} ms), from the function's log`,
    },
    {
      group: 'serving',
      name: 'cold start: first POST /predict on a fresh worker after promotion, as the client sees it',
      value: coldPredict,
      unit: 'ms',
      reference: { name: 'empty handler GET /ping, fresh worker', value: median(cold.ping) },
      ratio: round(coldPredict / median(cold.ping)),
      note: `median of ${cold.predict.length} (${cold.predict.map(round).join(', ')} ms): worker start, bundle import (AWS SDK, TF.js, zod), TF.js wasm init, the model load above, the first prediction; AWS adds its sandbox start`,
    },
    {
      group: 'serving',
      name: `load test: ${r.clients} clients, POST /predict 1 customer, loopback`,
      value: round(load.requests / load.seconds),
      unit: 'requests/s',
      target: 'no failed request',
      met: load.errors === 0,
      note: `${load.requests} requests, ${load.errors} errors, ${round(load.seconds)} s; latency p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms`,
    },
  ];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      calls: { type: 'string' },
      'cold-starts': { type: 'string' },
      clients: { type: 'string' },
      requests: { type: 'string' },
    },
  });
  const int = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not ${text}`);
    return n;
  };
  const figures = await runServingBench({
    customers: int('customers', values.customers),
    calls: int('calls', values.calls),
    coldStarts: int('cold-starts', values['cold-starts']),
    clients: int('clients', values.clients),
    requests: int('requests', values.requests),
  });
  console.log(JSON.stringify(figures, null, 2));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`bench/serving.ts: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
