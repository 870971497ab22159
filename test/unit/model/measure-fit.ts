/**
 * Design measurements of fitValueModel on EARLIER cutoffs whose truth ends before the BRIEF.md cutoffs
 * (CDNOW 1997-09-30 H 90, Online Retail 2011-06-09 H 91), or the BRIEF cutoffs with `brief`. Minutes of
 * CPU; not a test. From the repo root:
 *   npx tsx test/unit/model/measure-fit.ts [cdnow|retail]... [brief]
 * FIT_VARIANTS=name,name limits the variants (the baselines always run).
 */
import { resolve } from 'node:path';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { BASELINE_SYSTEMS, type BacktestSystem, runBacktest } from '../../../lib/training/backtest';
import { modelSystem } from '../../../lib/training/model-system';

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
  for (const key of process.argv.slice(2).filter((a) => a !== 'brief') as (keyof typeof datasets)[]) {
    const dataset = datasets[key];
    if (!dataset) throw new Error(`unknown dataset ${key}; use cdnow or retail`);
    const { table } = await loadTransactionsFromFiles(dataset.files);
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
