/**
 * Design measurements of fitValueModel on EARLIER cutoffs whose truth ends before the BRIEF.md cutoffs
 * (CDNOW 1997-09-30 H 90, Online Retail 2011-06-09 H 91), or the BRIEF cutoffs with `brief`. Minutes of
 * CPU; not a test. From the repo root:
 *   npx tsx test/unit/model/measure-fit.ts [cdnow|retail|synthetic<seed>]... [brief]
 * (synthetic<seed>: 5,000 customers of test/unit/features/synthetic-table.ts, cutoff 2021-09-30, H 90).
 * FIT_VARIANTS=name,name limits the variants (the baselines always run).
 *
 * What chose the design (Gini / Spearman / decile MAPE; 2 cores shared with other work):
 * - retail 2011-06-09 H91 (one window has ≥ half the recent customers): uncalibrated 0.804/0.513/0.433,
 *   calibrated 0.804/0.513/0.298; BG/NBD+GG 0.764/0.470/0.307.
 * - cdnow 1997-09-30 H90 (2 windows), 5 members: stacked uncalibrated 0.685/0.370/0.228, calibrated on
 *   the recent window's holdout 0.685/0.371/0.380 (it chased that quarter's level: total −14%), recent
 *   window only 0.685/0.373/0.303. 1 member, calibrated on every window's holdout: 0.676/0.364/0.212
 *   (network alone 0.675/0.363/0.197); last_window has the best Spearman, 0.397.
 * - synthetic1/2 (5k customers, 3 windows): calibrated 0.836/0.721/0.612 and 0.833/0.718/0.222,
 *   uncalibrated 0.835/0.719/1.117 and 0.830/0.717/0.251, recent window only 0.834/0.720/0.811 and
 *   0.826/0.712/1.325.
 */
import { resolve } from 'node:path';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { BASELINE_SYSTEMS, type BacktestSystem, runBacktest } from '../../../lib/training/backtest';
import { modelSystem } from '../../../lib/training/model-system';
import { syntheticShop } from '../features/synthetic-table';

const DATA = resolve(__dirname, '../../../../shared/data');
const brief = process.argv.includes('brief');
const datasets = {
  cdnow: {
    files: [`${DATA}/cdnow/CDNOW_master.txt`],
    ...(brief ? { cutoff: '1997-12-31', horizonDays: 181 } : { cutoff: '1997-09-30', horizonDays: 90 }),
  },
  retail: {
    files: [`${DATA}/online-retail-uci/by-day`],
    ...(brief ? { cutoff: '2011-09-09', horizonDays: 91 } : { cutoff: '2011-06-09', horizonDays: 91 }),
  },
};

const log = (name: string) => (message: string) => {
  if (message.startsWith('best epoch') || message.startsWith('fitting'))
    console.error(`  ${name}: ${message}`);
};
const variant = (name: string, options: Parameters<typeof modelSystem>[0] = {}) =>
  modelSystem({ name, onProgress: log(name), ...options });
const variants: BacktestSystem[] = [
  variant('model'),
  variant('recent_nocal', { maxWindows: 1, calibrate: false }),
  variant('recent_cal', { maxWindows: 1 }),
  variant('stack3_nocal', { calibrate: false }),
  variant('model_m1', { fit: { members: 1 } }),
  variant('mlp', { fit: { architecture: 'mlp', members: 1 } }),
];
const only = process.env.FIT_VARIANTS?.split(',');
const systems = [...BASELINE_SYSTEMS, ...variants.filter((s) => !only || only.includes(s.name))];

async function main(): Promise<void> {
  for (const key of process.argv.slice(2).filter((a) => a !== 'brief')) {
    const synthetic = /^synthetic(\d+)$/.exec(key);
    const dataset = synthetic
      ? { cutoff: '2021-09-30', horizonDays: 90 }
      : datasets[key as keyof typeof datasets];
    if (!dataset) throw new Error(`unknown dataset ${key}; use cdnow, retail or synthetic<seed>`);
    const table = synthetic
      ? syntheticShop(5000, 730, Number(synthetic[1]))
      : (await loadTransactionsFromFiles((dataset as { files: string[] }).files)).table;
    const result = await runBacktest(table, { ...dataset, systems });
    console.log(`\n${key}: ${result.customers} customers, cutoff ${result.cutoff}, H ${result.horizonDays}`);
    console.log('system               gini   spearman decileMAPE  MAE      RMSE     top10   AUC    s');
    for (const { name, metrics: m, seconds } of result.systems) {
      console.log(
        `${name.padEnd(20)} ${m.gini.toFixed(3)}  ${m.spearman.toFixed(3)}    ${m.decileMape.toFixed(3)}     ${m.mae.toFixed(2).padEnd(8)} ${m.rmse.toFixed(2).padEnd(8)} ${m.top10Share.toFixed(3)}  ${m.aucReturn.toFixed(3)}  ${seconds.toFixed(0)}`,
      );
    }
  }
}

void main();
