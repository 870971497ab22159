import { writeFile } from 'node:fs/promises';
import {
  DEFAULT_CLV_MONTHS,
  DEFAULT_DISCOUNT_RATE,
  type LifetimeValueOptions,
} from '../../lib/model/lifetime-value';
import type { TrainedModel } from '../../lib/model/value-model';
import { loadChampionModel, NoChampionError } from '../../lib/registry/model-versions';
import { predictionsCsv, type ScoredCustomers } from '../../lib/registry/predictions-csv';
import { FsBlobStore } from '../../lib/store/fs-store';
import {
  type FilesToScore,
  loadFilesToScore,
  NothingToScoreError,
  scoreCustomers,
} from '../../lib/training/score-customers';
import { scoreCustomerTable } from '../../lib/training/train-customer-table';
import { defaultAsOf } from '../../lib/training/train-dataset';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { datasetOf, loadData, parseAsOf, parseOptions, requireModelDir } from '../command-options';
import { terminalProgress } from '../progress';

const USAGE =
  'valuecast score --model-dir <dir> --data <file|dir>... [--as-of YYYY-MM-DD] --out predictions.csv [--columns …] [--dataset default] [--clv-months 12] [--discount-rate 0.1]';
const HELP = `Usage: ${USAGE}

Scores every customer of --data with the champion of <model-dir>/models/<dataset>/ (written by valuecast
train) as of the end of --as-of (default: the last day of the data) and writes predictions.csv:
customer_id,predicted_value,p_return,value_decile,model_version (value_decile 1 = the top 10%), then
predicted_p10,predicted_p90 (the 80% interval of the spend over the horizon), p_alive, expected_orders
(in the horizon), clv (discounted spend over --clv-months months, default ${DEFAULT_CLV_MONTHS}, at the annual
--discount-rate, default ${DEFAULT_DISCOUNT_RATE}) and segment (README: "Per-customer outlook").
A champion trained on a customer table scores a customer table with the columns it was trained on, with
or without the label column (never read: the label is the future being predicted); dates count as of
--as-of (default: the end of the table's latest date).`;

/** `valuecast score`: batch predictions of the champion model for local files. */
export const scoreCommand: Command = async (args) => {
  const values = parseOptions(
    args,
    { out: { type: 'string' }, 'clv-months': { type: 'string' }, 'discount-rate': { type: 'string' } },
    'score',
  );
  if (values.help) {
    console.log(HELP);
    return;
  }
  const modelDir = requireModelDir(values['model-dir'], 'score');
  if (!values.out) throw new UsageError('--out is required (see valuecast score --help)');
  const asOfOption = values['as-of'] === undefined ? undefined : parseAsOf(values['as-of']);
  const dataset = datasetOf(values.dataset);
  const lifetime = {
    months: parseClvMonths(values['clv-months']),
    annualDiscountRate: parseDiscountRate(values['discount-rate']),
  };

  const progress = terminalProgress();
  const champion = await loadChampionModel(new FsBlobStore(modelDir), dataset).catch((e: unknown) => {
    if (e instanceof NoChampionError)
      throw new UsageError(`${e.message} (valuecast train --model-dir ${modelDir})`);
    throw e;
  });
  try {
    const input = await loadData(values.data, values.columns, progress, 'score', (files, options) =>
      loadFilesToScore(files, champion.meta, options).catch((e: unknown) => {
        if (e instanceof NothingToScoreError)
          throw new UsageError(`the champion ${champion.version}: ${e.message}`);
        throw e;
      }),
    );
    progress.update(`scoring with ${champion.version}`);
    const { scored, asOf, predicts } = await scoreInput(champion.model, input, asOfOption, lifetime);
    await writeFile(values.out, predictionsCsv(scored, champion.version));
    progress.done(
      `scored ${scored.customerIds.length.toLocaleString('en')} customers with ${champion.version} as of ${new Date(asOf).toISOString()} (${predicts}): ${values.out}`,
    );
  } finally {
    champion.model.dispose();
  }
};

/** Predictions for the files read, the as-of they are made at, and what they predict. */
async function scoreInput(
  model: TrainedModel,
  input: FilesToScore,
  asOfOption: number | undefined,
  lifetime: LifetimeValueOptions,
): Promise<{ scored: ScoredCustomers; asOf: number; predicts: string }> {
  if (input.kind === 'customer-table') {
    const scored = scoreCustomerTable(model, input.meta.encoding, input.table, asOfOption);
    return { scored, asOf: scored.asOf, predicts: `the model's label, ${input.meta.label.column}` };
  }
  const asOf = asOfOption ?? defaultAsOf(input.table);
  return {
    scored: await scoreCustomers(model, input.meta.featureSpec, input.table, asOf, lifetime),
    asOf,
    predicts: `spend over the next ${input.meta.horizonDays} days`,
  };
}

/** `--clv-months N`: whole months from 1 to 120; default {@link DEFAULT_CLV_MONTHS}. */
function parseClvMonths(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLV_MONTHS;
  const months = Number(text);
  if (!/^\d+$/.test(text) || months < 1 || months > 120)
    throw new UsageError(`--clv-months must be a whole number of months from 1 to 120, got "${text}"`);
  return months;
}

/** `--discount-rate R`: an annual rate from 0 to 1 (0.1 = 10% a year); default {@link DEFAULT_DISCOUNT_RATE}. */
function parseDiscountRate(text: string | undefined): number {
  if (text === undefined) return DEFAULT_DISCOUNT_RATE;
  const rate = Number(text);
  if (text.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new UsageError(
      `--discount-rate must be an annual rate from 0 to 1 (0.1 = 10% a year), got "${text}"`,
    );
  return rate;
}
