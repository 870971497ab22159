/**
 * The model against the baselines on the BRIEF.md datasets, through lib/training's backtest (minutes of
 * CPU; not a test). From the repo root:
 *   npx tsx test/unit/model/measure-real.ts [cdnow|retail]...
 */
import { resolve } from 'node:path';
import { DAY_MS } from '../../../lib/features/compute-features';
import { buildTrainingRows } from '../../../lib/features/training-rows';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { defaultFitOptions, type FitOptions, fitModel } from '../../../lib/model/fit';
import {
  BASELINE_SYSTEMS,
  type BacktestInput,
  type BacktestSystem,
  runBacktest,
} from '../../../lib/training/backtest';

const DATA = resolve(__dirname, '../../../../shared/data');
const datasets = {
  cdnow: { files: [`${DATA}/cdnow/CDNOW_master.txt`], cutoff: '1997-12-31', horizonDays: 181 },
  retail: { files: [`${DATA}/online-retail-uci/by-day`], cutoff: '2011-09-09', horizonDays: 91 },
};

/**
 * Train on windows before the last one (features at c−2H, …), early-stop on the last one (features at
 * c−H, label up to c: out of time), then score at c. With `refit`, fit again on the last window for the
 * epochs early stopping chose, so the most recent behaviour is learnt too.
 */
function modelSystem(
  name: string,
  options: (rows: number) => FitOptions,
  extra: { rollingCutoffs?: number; refit?: boolean } = {},
): BacktestSystem {
  return {
    name,
    predict: async ({ visible, asOf, horizonDays, scoring, training }: BacktestInput) => {
      const validation = training();
      const train = buildTrainingRows(visible, {
        cutoff: asOf - horizonDays * DAY_MS,
        horizonDays,
        rollingCutoffs: extra.rollingCutoffs ?? 1,
        categoryLevels: scoring.spec.categoryLevels,
      });
      const fitOptions = options(train.features.rows);
      let model = await fitModel(train, validation, fitOptions);
      if (extra.refit) {
        const epochs = model.training?.bestEpoch ?? fitOptions.epochs;
        model.dispose();
        model = await fitModel(validation, undefined, { ...fitOptions, epochs });
      }
      const { value } = model.predict(scoring);
      console.error(`  ${name}: ${train.features.rows} train rows, best epoch ${model.training?.bestEpoch}`);
      model.dispose();
      return value;
    },
  };
}

/** Fit on the most recent labelled window only (features at c−H), a fixed number of epochs. */
function recentSystem(epochs: number): BacktestSystem {
  return {
    name: `ziln_recent_e${epochs}`,
    predict: async ({ scoring, training }: BacktestInput) => {
      const recent = training();
      const model = await fitModel(recent, undefined, { ...defaultFitOptions(recent.features.rows), epochs });
      const { value } = model.predict(scoring);
      model.dispose();
      return value;
    },
  };
}

const allSystems: BacktestSystem[] = [
  ...BASELINE_SYSTEMS,
  modelSystem('mlp_mse', (rows) => ({ ...defaultFitOptions(rows), architecture: 'mlp', members: 1 })),
  modelSystem('ziln_single', (rows) => ({ ...defaultFitOptions(rows), members: 1 })),
  modelSystem('ziln_default', defaultFitOptions),
  modelSystem('ziln_default_refit', defaultFitOptions, { refit: true }),
  modelSystem('ziln_default_stack3', defaultFitOptions, { rollingCutoffs: 3 }),
  recentSystem(1),
  recentSystem(3),
  recentSystem(10),
];
/** MODEL_SYSTEMS=name,name limits the run to those systems (the baselines always run). */
const only = process.env.MODEL_SYSTEMS?.split(',');
const systems = allSystems.filter((s) => !only || BASELINE_SYSTEMS.includes(s) || only.includes(s.name));

async function main(): Promise<void> {
  for (const key of process.argv.slice(2) as (keyof typeof datasets)[]) {
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
