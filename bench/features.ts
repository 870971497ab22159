/**
 * Feature throughput and BTYD fit time on a simulated shop (run by bench/run.ts in its own process;
 * runnable alone): `npx tsx bench/features.ts [--customers N] [--seed S] [--lines-scale K]`.
 * N customers (default 200,000; ≈ 7 rows each, ×K with --lines-scale) are simulated in memory straight
 * into a TransactionTable, skipping CSV (see simulated-shop.ts). Then, timed separately: the batch path
 * (lib/features/feature-engine.ts): copying the table into DuckDB, the features at the day after the last
 * transaction (sql/customer-features.sql, fits included), the BG/NBD and Gamma-Gamma fits alone on the
 * population's summary, and buildTrainingRows with one 90-day horizon (another date's SQL and the labels');
 * and computeFeatures, the API's TypeScript, on the whole table with those fits given. Figures go to stdout
 * as one `BENCH_PART` line (see part-output.ts), a readable summary to stderr.
 */

import { parseArgs } from 'node:util';
import { btydSummary, computeFeatures } from '../lib/features/compute-features';
import { FeatureEngine } from '../lib/features/feature-engine';
import { buildTrainingRows } from '../lib/features/training-rows';
import { fitBgNbd } from '../lib/model/bg-nbd';
import { fitGammaGamma } from '../lib/model/gamma-gamma';
import { emitPart, timed } from './part-output';
import { dayAfterLast, simulatedTable } from './simulated-shop';

const HORIZON_DAYS = 90;

interface FitFigures {
  converged: boolean;
  reason?: string;
  customers: number;
  sampleSize?: number;
  iterations?: number;
  evaluations?: number;
  params: object;
}

/** What this part prints as its `BENCH_PART` line (plus the process's peak RSS and CPU). */
export interface FeaturesOutput {
  customers: number;
  rows: number;
  generateSeconds: number;
  /** Copying the table into the engine's DuckDB. */
  engineOpenSeconds: number;
  /** The batch features at the cutoff: the SQL and the BG/NBD + Gamma-Gamma fits. */
  sqlFeaturesSeconds: number;
  sqlFeaturesRowsPerSecond: number;
  /** computeFeatures (the API's TypeScript) on the whole table, the fits given. */
  typescriptWithFitsSeconds: number;
  buildTrainingRowsSeconds: number;
  trainingRows: number;
  bgNbdFitSeconds: number;
  bgNbd: FitFigures;
  gammaGammaFitSeconds: number;
  gammaGamma: FitFigures;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '42' },
      'lines-scale': { type: 'string', default: '1' },
    },
  });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers <= 0)
    throw new Error('--customers must be a positive integer');
  const log = (line: string) => console.error(line);

  const generation = await timed(() =>
    simulatedTable(customers, Number(values.seed), Number(values['lines-scale'])),
  );
  const table = generation.result;
  const cutoff = dayAfterLast(table);

  const opened = await timed(() => FeatureEngine.open(table));
  using engine = opened.result;
  const features = await timed(() => engine.features(cutoff, { horizonDays: HORIZON_DAYS }));
  const { spec } = features.result;
  // Refit on the summary the features used, so the fits' own cost is visible apart from the features'.
  const summary = btydSummary(table, cutoff);
  const bgNbd = await timed(() =>
    fitBgNbd({ frequency: summary.x, recency: summary.recency, tenure: summary.tenure }),
  );
  const gammaGamma = await timed(() => fitGammaGamma(summary.x, summary.repeatMean, summary.firstDaySpend));
  const typescript = await timed(() =>
    computeFeatures(table, cutoff, {
      horizonDays: HORIZON_DAYS,
      bgNbd: spec.bgNbd,
      gammaGamma: spec.gammaGamma,
      categoryLevels: spec.categoryLevels,
    }),
  );
  const training = await timed(() => buildTrainingRows(engine, { cutoff, horizonDays: HORIZON_DAYS }));

  const figures: FeaturesOutput = {
    customers,
    rows: table.length,
    generateSeconds: generation.seconds,
    engineOpenSeconds: opened.seconds,
    sqlFeaturesSeconds: features.seconds,
    sqlFeaturesRowsPerSecond: Math.round(table.length / features.seconds),
    typescriptWithFitsSeconds: typescript.seconds,
    buildTrainingRowsSeconds: training.seconds,
    trainingRows: training.result.features.rows,
    bgNbdFitSeconds: bgNbd.seconds,
    bgNbd: {
      converged: bgNbd.result.converged,
      reason: bgNbd.result.reason,
      customers: bgNbd.result.customers,
      sampleSize: bgNbd.result.sampleSize,
      iterations: bgNbd.result.iterations,
      evaluations: bgNbd.result.evaluations,
      params: bgNbd.result.params,
    },
    gammaGammaFitSeconds: gammaGamma.seconds,
    gammaGamma: {
      converged: gammaGamma.result.converged,
      reason: gammaGamma.result.reason,
      customers: gammaGamma.result.customers,
      sampleSize: gammaGamma.result.sampleSize,
      params: gammaGamma.result.params,
    },
  };
  log(
    `customers                 ${customers.toLocaleString('en')} (${table.length.toLocaleString('en')} rows)`,
  );
  log(`simulate table            ${figures.generateSeconds} s`);
  log(`copy into DuckDB          ${figures.engineOpenSeconds} s`);
  log(
    `SQL features + fits       ${figures.sqlFeaturesSeconds} s (${figures.sqlFeaturesRowsPerSecond.toLocaleString('en')} rows/s)`,
  );
  log(`computeFeatures, fits given (API code) ${figures.typescriptWithFitsSeconds} s`);
  log(
    `buildTrainingRows (1 H)   ${figures.buildTrainingRowsSeconds} s (${figures.trainingRows.toLocaleString('en')} rows)`,
  );
  log(`BG/NBD fit                ${figures.bgNbdFitSeconds} s, ${describeFit(figures.bgNbd)}`);
  log(`Gamma-Gamma fit           ${figures.gammaGammaFitSeconds} s, ${describeFit(figures.gammaGamma)}`);
  emitPart(figures);
}

function describeFit(fit: FitFigures): string {
  const params = Object.entries(fit.params)
    .map(([k, v]) => `${k}=${(v as number).toPrecision(4)}`)
    .join(' ');
  return `${fit.converged ? 'converged' : `NOT converged (${fit.reason})`} on ${(fit.sampleSize ?? fit.customers).toLocaleString('en')} of ${fit.customers.toLocaleString('en')} customers${fit.evaluations === undefined ? '' : `, ${fit.evaluations} likelihood evaluations`}: ${params}`;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
