/**
 * Feature throughput, peak memory and BTYD fit time on a generated shop:
 * `npx tsx bench/features.ts [--customers N] [--seed S] [--lines-scale K] [--json]`.
 * N customers (default 200,000; ≈ 7 rows each, ×K with --lines-scale) are simulated in memory straight
 * into a TransactionTable, skipping CSV (see simulatedTable). Then, timed separately:
 * the BG/NBD and Gamma-Gamma fits on the population's summary, computeFeatures at the last day, and
 * buildTrainingRows with one 90-day horizon. Peak RSS is sampled every 20 ms over the whole run.
 * `--json` prints the figures as one JSON object on stdout (the table goes to stderr) for `npm run bench`.
 */

import { parseArgs } from 'node:util';
import { btydSummary, computeFeatures } from '../lib/features/compute-features';
import { buildTrainingRows } from '../lib/features/training-rows';
import { Random } from '../lib/generate/random';
import { type TransactionTable, TransactionTableBuilder } from '../lib/ingest/transaction-table';
import { fitBgNbd } from '../lib/model/bg-nbd';
import { fitGammaGamma } from '../lib/model/gamma-gamma';

const HORIZON_DAYS = 90;
const DAY_MS = 86_400_000;
const SIMULATED_START = Date.UTC(2023, 0, 1);
const SIMULATED_DAYS = 730;

/**
 * A BG/NBD shop with the generator's population (lib/generate/order-log.ts: λ ~ Gamma(0.7, 1/40) per day,
 * drop-out p ~ Beta(0.8, 4), Gamma-Gamma spend with ν ~ Gamma(4, 1/30), 1–7 lines per order, 2% returned
 * lines) straight into a TransactionTable, without seasonality or dirt. The generator itself is not used
 * because it never returns for a customer whose drawn rate is tiny (≈ 1 in 50,000 customers: its next
 * purchase lands beyond the Date range and the thinning loop spins on NaN months).
 * `linesScale` multiplies the lines per order, to reach 20 rows per customer.
 */
function simulatedTable(customers: number, seed: number, linesScale: number): TransactionTable {
  const random = new Random(seed);
  const builder = new TransactionTableBuilder(Math.ceil(customers * 7 * linesScale));
  const countries = ['United Kingdom', 'United Kingdom', 'Germany', 'France', 'Netherlands', 'Spain'];
  const channels = ['web', 'web', 'app', 'marketplace'];
  let orderNumber = 100_000;
  for (let c = 0; c < customers; c++) {
    const customerId = `C${String(c + 1).padStart(7, '0')}`;
    const ratePerDay = random.gamma(0.7, 1 / 40);
    const dropOut = random.beta(0.8, 4);
    const spendRate = random.gamma(4, 1 / 30);
    const categories = { country: random.pick(countries), channel: random.pick(channels) };
    let day = random.next() * SIMULATED_DAYS * 0.85;
    while (day < SIMULATED_DAYS) {
      const time = SIMULATED_START + Math.floor(day * DAY_MS);
      const orderId = String(orderNumber++);
      const value = random.gamma(6, 1 / spendRate);
      const lines = Math.round(linesScale * (1 + Math.min(6, Math.floor(random.exponential(0.8)))));
      for (let l = 0; l < lines; l++) {
        builder.add({ customerId, time, amount: value / lines, orderId, categories });
        if (random.next() < 0.02)
          builder.add({
            customerId,
            time: time + DAY_MS,
            amount: -value / lines,
            orderId: `R${orderId}`,
            categories,
          });
      }
      if (random.next() < dropOut) break;
      day += random.exponential(ratePerDay);
    }
  }
  return builder.build();
}

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

function timed<T>(work: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = work();
  sampleRss();
  return { result, seconds: (performance.now() - started) / 1000 };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '42' },
      'lines-scale': { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    },
  });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers <= 0)
    throw new Error('--customers must be a positive integer');
  const log = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const sampler = setInterval(sampleRss, 20);

  const generation = timed(() =>
    simulatedTable(customers, Number(values.seed), Number(values['lines-scale'])),
  );
  const table = generation.result;
  let lastTime = 0;
  for (let i = 0; i < table.length; i++) lastTime = Math.max(lastTime, table.time[i] as number);
  const cutoff = (Math.floor(lastTime / 86_400_000) + 1) * 86_400_000;

  const features = timed(() => computeFeatures(table, cutoff, { horizonDays: HORIZON_DAYS }));
  const { spec } = features.result;
  // Refit on the summary the features used, so the fits' own cost is visible apart from the features'.
  const summary = btydSummary(table, cutoff);
  const bgNbd = timed(() =>
    fitBgNbd({ frequency: summary.x, recency: summary.recency, tenure: summary.tenure }),
  );
  const gammaGamma = timed(() => fitGammaGamma(summary.x, summary.repeatMean, summary.firstDaySpend));
  const fixedFits = timed(() =>
    computeFeatures(table, cutoff, {
      horizonDays: HORIZON_DAYS,
      bgNbd: spec.bgNbd,
      gammaGamma: spec.gammaGamma,
      categoryLevels: spec.categoryLevels,
    }),
  );
  const training = timed(() => buildTrainingRows(table, { cutoff, horizonDays: HORIZON_DAYS }));
  clearInterval(sampler);
  sampleRss();

  const figures = {
    customers,
    rows: table.length,
    generateSeconds: round(generation.seconds),
    computeFeaturesSeconds: round(features.seconds),
    computeFeaturesRowsPerSecond: Math.round(table.length / features.seconds),
    featuresWithoutFitSeconds: round(fixedFits.seconds),
    buildTrainingRowsSeconds: round(training.seconds),
    trainingRows: training.result.features.rows,
    bgNbdFitSeconds: round(bgNbd.seconds),
    bgNbd: {
      converged: bgNbd.result.converged,
      reason: bgNbd.result.reason,
      customers: bgNbd.result.customers,
      sampleSize: bgNbd.result.sampleSize,
      iterations: bgNbd.result.iterations,
      evaluations: bgNbd.result.evaluations,
      params: bgNbd.result.params,
    },
    gammaGammaFitSeconds: round(gammaGamma.seconds),
    gammaGamma: {
      converged: gammaGamma.result.converged,
      reason: gammaGamma.result.reason,
      customers: gammaGamma.result.customers,
      sampleSize: gammaGamma.result.sampleSize,
      params: gammaGamma.result.params,
    },
    peakRssMB: Math.round(peakRss / 2 ** 20),
  };
  log(
    `customers                 ${customers.toLocaleString('en')} (${table.length.toLocaleString('en')} rows)`,
  );
  log(`simulate table            ${figures.generateSeconds} s`);
  log(
    `computeFeatures           ${figures.computeFeaturesSeconds} s (${figures.computeFeaturesRowsPerSecond.toLocaleString('en')} rows/s)`,
  );
  log(`  of which without fits   ${figures.featuresWithoutFitSeconds} s`);
  log(
    `buildTrainingRows (1 H)   ${figures.buildTrainingRowsSeconds} s (${figures.trainingRows.toLocaleString('en')} rows)`,
  );
  log(`BG/NBD fit                ${figures.bgNbdFitSeconds} s, ${describeFit(figures.bgNbd)}`);
  log(`Gamma-Gamma fit           ${figures.gammaGammaFitSeconds} s, ${describeFit(figures.gammaGamma)}`);
  log(`peak RSS                  ${figures.peakRssMB} MB`);
  if (values.json) console.log(JSON.stringify(figures));
}

function describeFit(fit: {
  converged: boolean;
  reason?: string;
  customers: number;
  sampleSize?: number;
  evaluations?: number;
  params: object;
}): string {
  const params = Object.entries(fit.params)
    .map(([k, v]) => `${k}=${(v as number).toPrecision(4)}`)
    .join(' ');
  return `${fit.converged ? 'converged' : `NOT converged (${fit.reason})`} on ${(fit.sampleSize ?? fit.customers).toLocaleString('en')} of ${fit.customers.toLocaleString('en')} customers${fit.evaluations === undefined ? '' : `, ${fit.evaluations} likelihood evaluations`}: ${params}`;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

main();
