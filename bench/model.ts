/**
 * Measurements of the network library (lib/model), minutes of CPU:
 *   npx tsx bench/model.ts throughput   # seconds/epoch, wasm vs cpu, 100k × 20
 *   npx tsx bench/model.ts serving      # load time, 1- and 100-row latency, 1M-row scoring
 *   npx tsx bench/model.ts paths [rows,…]  # fused ensemble vs network.apply, 1…100k rows (FUSED_MAX_ROWS)
 *   npx tsx bench/model.ts request <model-dir> <data file> [asOf]  # POST /predict's in-process work
 *   npx tsx bench/model.ts compare [customers=20000] [short]  # ZILN vs MSE MLP and variants, out of time
 * `compare` fits on the synthetic rows of the model tests (train / validation / test windows out of time);
 * the whole product on real and generated shops is measured by bench/accuracy.ts.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { evaluateMetrics, returnAuc } from '../lib/evaluate/metrics';
import { loadInputFiles } from '../lib/ingest/load-customer-table';
import type { FeatureMatrix } from '../lib/model/feature-matrix';
import { defaultFitOptions, type FitOptions, fitModel } from '../lib/model/fit';
import { FusedEnsemble } from '../lib/model/fused-ensemble';
import { loadModel, saveModel } from '../lib/model/model-io';
import { initBackend, startBackend } from '../lib/model/tf-backend';
import { applyTransforms } from '../lib/model/transforms';
import type { TrainedModel } from '../lib/model/value-model';
import { seededRandom } from '../lib/random';
import { readChampion } from '../lib/registry/champion';
import { predictCustomers, predictRequestSchema } from '../lib/serving/predict-request';
import { loadServingModel } from '../lib/serving/serving-model';
import { FsBlobStore } from '../lib/store/fs-store';
import { syntheticShop } from '../test/unit/model/synthetic';

async function throughput(): Promise<void> {
  const rows = 100_000;
  const cols = 20;
  const random = seededRandom(1);
  const values = new Float32Array(rows * cols).map(() => random() * 10);
  const label = new Float32Array(rows).map(() => (random() < 0.7 ? 0 : Math.exp(3 + random() * 2)));
  const features: FeatureMatrix = {
    names: Array.from({ length: cols }, (_, i) => `f${i}`),
    rows,
    cols,
    values,
    customers: new Int32Array(rows),
  };
  for (const backend of ['wasm', 'cpu'] as const) {
    await startBackend(backend);
    for (const architecture of ['ziln', 'mlp'] as const) {
      // CPU time besides wall time: the machine is shared, and CPU seconds are less skewed by neighbours.
      const cpuBefore = process.cpuUsage();
      const model = await fitModel({ features, label }, undefined, {
        architecture,
        seed: 1,
        epochs: 2,
        batchSize: 256,
        learningRate: 0.001,
        patience: 1,
      });
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = model.training?.epochs.map((e) => e.seconds.toFixed(2)).join(', ');
      const cpuPerEpoch = (cpu.user + cpu.system) / 1e6 / 2;
      console.log(
        `${backend} ${architecture}: ${rows}×${cols}, batch 256, 64-32: wall s/epoch ${seconds}; CPU s/epoch ${cpuPerEpoch.toFixed(2)}`,
      );
      model.dispose();
    }
  }
}

interface Variant {
  readonly name: string;
  readonly options: Partial<FitOptions>;
}

const base: FitOptions = {
  architecture: 'ziln',
  seed: 1,
  epochs: 60,
  batchSize: 256,
  learningRate: 0.001,
  patience: 5,
};

const variants: Variant[] =
  process.argv[4] === 'short'
    ? [
        { name: 'mlp 64-32 (seed baseline)', options: { architecture: 'mlp' } },
        { name: 'ziln 64-32 lr 1e-3', options: {} },
        { name: 'ziln 64-32 lr 3e-3', options: { learningRate: 0.003 } },
        { name: 'ziln 64-32 lr 3e-3 l2 1e-4', options: { learningRate: 0.003, l2: 1e-4 } },
        { name: 'ziln 64-32 lr 3e-3 × 5 members', options: { learningRate: 0.003, members: 5 } },
        { name: 'ziln 64-32 lr 1e-3 × 5 members', options: { members: 5 } },
        { name: 'ziln 64-32 lr 1e-3 × 5 members, seed 2', options: { members: 5, seed: 2 } },
        { name: 'ziln 64-32 lr 1e-3, seed 2', options: { seed: 2 } },
        { name: 'ziln 64-32 lr 1e-3, seed 3', options: { seed: 3 } },
      ]
    : [
        { name: 'mlp 64-32 (seed baseline)', options: { architecture: 'mlp' } },
        { name: 'ziln 64-32 lr 1e-3', options: {} },
        { name: 'ziln 64-32 lr 3e-3', options: { learningRate: 0.003 } },
        { name: 'ziln 64-32 lr 1e-2', options: { learningRate: 0.01 } },
        { name: 'ziln 32-16', options: { hidden: [32, 16] } },
        { name: 'ziln 128-64', options: { hidden: [128, 64] } },
        { name: 'ziln 64-32 l2 1e-4', options: { l2: 1e-4 } },
        { name: 'ziln 64-32 × 5 members', options: { members: 5 } },
      ];

async function compare(): Promise<void> {
  await startBackend('wasm');
  const customers = Number(process.argv[3] ?? 20_000);
  const shops = [101, 202, 303].map((seed) => syntheticShop(customers, seed));
  console.log(
    `shops: ${shops.map((s) => `${s.train.features.rows}/${s.validation.features.rows}/${s.test.features.rows}`).join(' ')} rows train/validation/test`,
  );
  for (const variant of variants) {
    const ginis: number[] = [];
    const spearmans: number[] = [];
    const mapes: number[] = [];
    const aucs: number[] = [];
    let seconds = 0;
    for (const shop of shops) {
      const model = await fitModel(shop.train, shop.validation, { ...base, ...variant.options });
      const { value, pReturn } = model.predict(shop.test.features);
      seconds += model.training?.seconds ?? 0;
      model.dispose();
      const metrics = evaluateMetrics(shop.test.label, value);
      ginis.push(metrics.gini);
      spearmans.push(metrics.spearman);
      mapes.push(metrics.decileMape);
      aucs.push(returnAuc(shop.test.label, pReturn ?? value));
    }
    const avg = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3);
    console.log(
      `${variant.name.padEnd(28)} gini ${avg(ginis)} [${ginis.map((g) => g.toFixed(3)).join(' ')}]  spearman ${avg(spearmans)}  decile MAPE ${avg(mapes)}  AUC ${avg(aucs)}  fit ${seconds.toFixed(0)} s`,
    );
  }
}

/** A model as serving has it: the default fit on a 4000-customer synthetic shop, saved and loaded. */
async function servedModel(): Promise<{
  model: TrainedModel;
  sample: FeatureMatrix;
  cleanUp: () => Promise<void>;
}> {
  const shop = syntheticShop(4000, 5);
  const fitted = await fitModel(shop.train, shop.validation, defaultFitOptions(shop.train.features.rows));
  const root = await mkdtemp(path.join(tmpdir(), 'valuecast-measure-'));
  const store = new FsBlobStore(root);
  await saveModel(fitted, store, 'm');
  fitted.dispose();
  const loadStarted = performance.now();
  const model = await loadModel(store, 'm');
  console.log(`loadModel (${model.spec.members} members) ${(performance.now() - loadStarted).toFixed(0)} ms`);
  return {
    model,
    sample: shop.test.features,
    cleanUp: async () => {
      model.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** `rows` rows drawn (with repetition) from `sample`'s rows, so their values are realistic. */
function rowsFrom(sample: FeatureMatrix, rows: number): FeatureMatrix {
  const { cols } = sample;
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const from = r % sample.rows;
    values.set(sample.values.subarray(from * cols, (from + 1) * cols), r * cols);
  }
  return { ...sample, rows, values, customers: new Int32Array(rows) };
}

/** Median and 99th percentile of `run`'s wall time in ms, after a warm-up. */
function latency(run: () => void, repeats: number): { p50: number; p99: number } {
  for (let i = 0; i < Math.min(repeats, 20); i++) run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

async function serving(): Promise<void> {
  const started = performance.now();
  await initBackend();
  console.log(`backend init ${(performance.now() - started).toFixed(0)} ms`);
  const { model, sample, cleanUp } = await servedModel();
  for (const rows of [1, 100]) {
    const batch = rowsFrom(sample, rows);
    const { p50, p99 } = latency(() => model.predict(batch), 500);
    console.log(`${rows}-row predict p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  }
  const rows = 1_000_000;
  const random = seededRandom(2);
  const big = { ...rowsFrom(sample, 1), rows };
  const bigStarted = performance.now();
  model.predict({ ...big, values: new Float32Array(rows * sample.cols).map(() => random() * 50) });
  console.log(`predict ${rows} rows: ${((performance.now() - bigStarted) / 1000).toFixed(1)} s`);
  await cleanUp();
}

/** Each inference path alone (network output only, no head), per row count: where they cross. */
async function paths(): Promise<void> {
  await initBackend();
  const { model, sample, cleanUp } = await servedModel();
  const fused = FusedEnsemble.fromNetwork(model.network, model.spec);
  const counts = (process.argv[3] ?? '1,10,100,300,1000,10000,100000').split(',').map(Number);
  for (const rows of counts) {
    const batch = rowsFrom(sample, rows);
    const x = applyTransforms(model.spec.transforms, batch);
    const repeats = Math.max(5, Math.min(500, Math.round(200_000 / rows)));
    const time = (apply: (input: tf.Tensor2D) => tf.Tensor) =>
      latency(() => tf.tidy(() => apply(tf.tensor2d(x, [rows, batch.cols])).dataSync()), repeats).p50;
    const viaFused = time((input) => fused.apply(input));
    const viaLayers = time((input) => model.network.apply(input) as tf.Tensor);
    console.log(
      `${String(rows).padStart(6)} rows: fused ${viaFused.toFixed(3)} ms, network.apply ${viaLayers.toFixed(3)} ms (fused/apply ${(viaFused / viaLayers).toFixed(2)})`,
    );
  }
  fused.dispose();
  await cleanUp();
}

/**
 * The in-process work of `POST /predict` for 1 and 100 customers of `<data file>` (a transaction log):
 * body parse and validation, features, the champion of `<model-dir>` (written by `valuecast train`),
 * the response JSON. No HTTP: bench/serving.ts measures the whole request on the local stack.
 */
async function request(): Promise<void> {
  const [modelDir, dataFile, asOf] = process.argv.slice(3);
  if (!modelDir || !dataFile)
    throw new Error('usage: npx tsx bench/model.ts request <model-dir> <data file> [asOf]');
  await initBackend();
  const store = new FsBlobStore(modelDir);
  const champion = await readChampion(store, 'default');
  if (!champion) throw new Error(`${modelDir} has no champion for dataset "default"`);
  const served = await loadServingModel(store, 'default', champion.pointer.version);
  const input = await loadInputFiles([dataFile]);
  if (input.kind !== 'transactions') throw new Error(`${dataFile} is not a transaction log`);
  const { table } = input;
  const customers = table.customerIds.slice(0, 100).map((id) => ({ id, transactions: [] as object[] }));
  for (let i = 0; i < table.length; i++) {
    const customer = customers[table.customer[i] as number];
    customer?.transactions.push({
      date: new Date(table.time[i] as number).toISOString(),
      amount: table.amount[i] as number,
    });
  }
  const schema = predictRequestSchema({ maxCustomers: 100, maxTransactionsPerCustomer: 100_000 });
  for (const count of [1, 100]) {
    const body = JSON.stringify({ asOf, customers: customers.slice(0, count) });
    const { p50, p99 } = latency(
      () => JSON.stringify(predictCustomers(served, schema.parse(JSON.parse(body)))),
      1000,
    );
    console.log(
      `${count} customer(s), ${served.model.spec.members} member(s): p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`,
    );
  }
  served.model.dispose();
}

const measurements: Record<string, () => Promise<void>> = { throughput, compare, serving, paths, request };
const run = measurements[process.argv[2] ?? ''];
if (run) void run();
else {
  console.error('usage: npx tsx bench/model.ts throughput|compare|serving|paths|request');
  process.exitCode = 1;
}
