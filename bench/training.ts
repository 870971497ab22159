/**
 * Training benchmark part (run by bench/run.ts in its own process; runnable alone):
 *   npx tsx bench/training.ts fit --customers N [--lines-scale K] [--backend wasm|cpu] [--epochs E]
 *     fitValueModel (the one fit procedure of training and backtest) on a simulated shop of N customers at
 *     the day after its last transaction, 90-day horizon: seconds per epoch, epochs to convergence (early
 *     stopping) or the fixed `--epochs`, the features' and the network's time.
 *   npx tsx bench/training.ts write-parquet --customers N --lines-scale K --out DIR
 *     writes the simulated shop as normalized Parquet (`normalized/shop/part-NN.parquet`, as ingestion
 *     would) into the local bucket DIR, for:
 *   npx tsx bench/training.ts train-stored --bucket DIR
 *     what the train Lambda runs (trainStoredDataset on transaction logs): load the Parquet, evaluate model + seed MLP +
 *     baselines out of time, production fit, score every customer, write artifacts, promote.
 * Figures go to stdout as one `BENCH_PART` line (see part-output.ts), progress to stderr.
 */

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { withDuckDb } from '../lib/engine/duckdb';
import { loadNormalizedTransactions, TRANSACTION_PARQUET_COLUMNS } from '../lib/ingest';
import type { TransactionTable } from '../lib/ingest/transaction-table';
import { defaultFitOptions } from '../lib/model/fit';
import { BACKEND_ENV } from '../lib/model/tf-backend';
import { ingestKeys } from '../lib/store/bucket-layout';
import { FsBlobStore } from '../lib/store/fs-store';
import { fitValueModel } from '../lib/training/fit-value-model';
import { trainDataset } from '../lib/training/train-dataset';
import { emitPart, round3, timed } from './part-output';
import { dayAfterLast, simulatedTable } from './simulated-shop';

/** Figures of `fit`. */
export interface FitOutput {
  customers: number;
  transactions: number;
  backend: string;
  trainRows: number;
  validationRows: number;
  epochs: number;
  bestEpoch: number;
  converged: boolean;
  secondsPerEpoch: number;
  networkSeconds: number;
  fitSeconds: number;
  fitCpuSeconds: number;
}

/** Figures of `write-parquet`. */
export interface WriteParquetOutput {
  customers: number;
  transactions: number;
  files: number;
}

/** Figures of `train-stored`. */
export interface TrainStoredOutput {
  customers: number;
  transactions: number;
  scored: number;
  backend: string;
  seconds: number;
  trainCpuSeconds: number;
  /** Seconds by phase (load, evaluate, fit, score, write, promote). */
  durations: Record<string, number>;
  /** Epochs and seconds of each network fit: `model`, `seed_mlp` (evaluation), `production fit`. */
  fits: Record<string, { epochs: number; seconds: number }>;
  promoted: boolean;
  gini: number | undefined;
}

const HORIZON_DAYS = 90;
const DATASET = 'shop';
const ROWS_PER_PARQUET_FILE = 2_000_000;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    customers: { type: 'string', default: '10000' },
    'lines-scale': { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    backend: { type: 'string', default: 'wasm' },
    epochs: { type: 'string' },
    out: { type: 'string' },
    bucket: { type: 'string' },
  },
});

function shop(): TransactionTable {
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers <= 0)
    throw new Error('--customers must be a positive integer');
  return simulatedTable(customers, Number(values.seed), Number(values['lines-scale']));
}

async function fit(): Promise<void> {
  process.env[BACKEND_ENV] = values.backend;
  const table = shop();
  const asOf = dayAfterLast(table);
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  const run = await timed(() =>
    fitValueModel(table, asOf, {
      horizonDays: HORIZON_DAYS,
      ...(epochs !== undefined && { fit: { epochs, patience: epochs } }),
      onProgress: (message) => console.error(`  ${message}`),
    }),
  );
  const training = run.result.model.training;
  if (!training) throw new Error('the fit reported no training summary');
  const epochSeconds = training.epochs.map((e) => e.seconds).sort((a, b) => a - b);
  emitPart({
    customers: table.customerIds.length,
    transactions: table.length,
    backend: training.backend,
    trainRows: training.trainRows,
    validationRows: training.validationRows,
    epochs: training.epochs.length,
    bestEpoch: training.bestEpoch,
    // Early stopping ended the fit before its epoch cap.
    converged: epochs === undefined && training.epochs.length < defaultFitOptions(training.trainRows).epochs,
    secondsPerEpoch: round3(epochSeconds[Math.floor(epochSeconds.length / 2)] ?? 0),
    networkSeconds: round3(training.seconds),
    fitSeconds: run.seconds,
    fitCpuSeconds: run.cpuSeconds,
  } satisfies FitOutput);
  run.result.model.dispose();
}

async function writeParquet(): Promise<void> {
  if (!values.out) throw new Error('--out DIR is required');
  const table = shop();
  const store = new FsBlobStore(values.out);
  const { customer, time, amount, order, categories } = table;
  const country = categories.country;
  const channel = categories.channel;
  let files = 0;
  // Written as ingestion writes them: DuckDB's COPY, in the columns of TRANSACTION_PARQUET_COLUMNS.
  await withDuckDb(async (connection) => {
    await connection.run(
      `CREATE TABLE part (customer_id VARCHAR, ts_ms BIGINT, amount DOUBLE, order_id VARCHAR, quantity DOUBLE,
         unit_price DOUBLE, country VARCHAR, channel VARCHAR, source_line BIGINT)`,
    );
    const columns = TRANSACTION_PARQUET_COLUMNS.map((c) =>
      c.name === 'ts' ? 'epoch_ms(ts_ms)::TIMESTAMPTZ AS ts' : c.name,
    ).join(', ');
    for (let from = 0; from < table.length; from += ROWS_PER_PARQUET_FILE) {
      const source = `part-${String(files++).padStart(2, '0')}`;
      const path = join(store.root, ingestKeys(DATASET, source).normalized);
      mkdirSync(dirname(path), { recursive: true });
      await connection.run('DELETE FROM part');
      const appender = await connection.createAppender('part');
      const to = Math.min(table.length, from + ROWS_PER_PARQUET_FILE);
      for (let i = from; i < to; i++) {
        const o = order[i] as number;
        const countryCode = country ? (country.codes[i] as number) : -1;
        const channelCode = channel ? (channel.codes[i] as number) : -1;
        appender.appendVarchar(table.customerIds[customer[i] as number] as string);
        appender.appendBigInt(BigInt(time[i] as number));
        appender.appendDouble(amount[i] as number);
        if (o >= 0) appender.appendVarchar(table.orderIds[o] as string);
        else appender.appendNull();
        appender.appendNull();
        appender.appendNull();
        if (countryCode >= 0) appender.appendVarchar(country?.values[countryCode] as string);
        else appender.appendNull();
        if (channelCode >= 0) appender.appendVarchar(channel?.values[channelCode] as string);
        else appender.appendNull();
        appender.appendBigInt(BigInt(i + 2));
        appender.endRow();
      }
      appender.closeSync();
      await connection.run(
        `COPY (SELECT ${columns} FROM part) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`,
      );
    }
  });
  emitPart({
    customers: table.customerIds.length,
    transactions: table.length,
    files,
  } satisfies WriteParquetOutput);
}

/** The train function's memory (serverless.yml): DuckDB takes its share of it (lib/engine/duckdb.ts). */
const TRAIN_LAMBDA_MB = '10240';

async function trainStored(): Promise<void> {
  if (!values.bucket) throw new Error('--bucket DIR is required');
  const store = new FsBlobStore(values.bucket);
  // As in the train Lambda: DuckDB's memory limit follows the function's memory unless DUCKDB_* says otherwise.
  process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ??= TRAIN_LAMBDA_MB;
  // Epochs and wall time of each network fit, by what is fitting (`model`, `seed_mlp`, `production fit`).
  const fits = new Map<string, { epochs: number; seconds: number }>();
  // What trainStoredDataset does for transaction logs (the train Lambda): load the Parquet, then train.
  const run = await timed(async () => {
    const started = performance.now();
    const table = await loadNormalizedTransactions(store, DATASET);
    return trainDataset({
      store,
      dataset: DATASET,
      table,
      dataFingerprint: 'bench',
      loadSeconds: (performance.now() - started) / 1000,
      horizonDays: HORIZON_DAYS,
      onProgress: (progress) => {
        if (!progress.epoch) return console.error(`  [${progress.phase}] ${progress.message}`);
        const what = progress.message.replace(/: epoch \d+$/, '');
        const fit = fits.get(what) ?? { epochs: 0, seconds: 0 };
        fit.epochs = progress.epoch.epoch;
        fit.seconds += progress.epoch.seconds;
        fits.set(what, fit);
      },
    });
  });
  const { meta } = run.result;
  emitPart({
    customers: meta.rows.customers,
    transactions: meta.rows.transactions,
    scored: meta.rows.scored,
    backend: meta.backend,
    seconds: run.seconds,
    trainCpuSeconds: run.cpuSeconds,
    durations: meta.durations,
    fits: Object.fromEntries([...fits].map(([what, f]) => [what, { ...f, seconds: round3(f.seconds) }])),
    promoted: run.result.promoted,
    gini: meta.evaluation?.systems.model?.gini,
  } satisfies TrainStoredOutput);
}

const modes: Record<string, () => Promise<void>> = {
  fit,
  'write-parquet': writeParquet,
  'train-stored': trainStored,
};
const mode = modes[positionals[0] ?? ''];
if (!mode) {
  console.error(`usage: bench/training.ts ${Object.keys(modes).join('|')} [options]`);
  process.exitCode = 2;
} else
  mode().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
