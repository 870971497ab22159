import { writeFile } from 'node:fs/promises';
import { latestDateAsOf } from '../../lib/features/customer-table-features';
import { FsBlobStore } from '../../lib/store/fs-store';
import { isCustomerTableMeta } from '../../lib/training/artifacts';
import { predictionsCsv, type ScoredCustomers } from '../../lib/training/predictions-csv';
import { loadChampionModel, NoChampionError, scoreCustomers } from '../../lib/training/score-customers';
import { scoreCustomerTable } from '../../lib/training/train-customer-table';
import { defaultAsOf } from '../../lib/training/train-dataset';
import { UsageError } from '../cli-error';
import type { Command } from '../main';
import { terminalProgress } from '../progress';
import { datasetOf, loadData, parseAsOf, parseOptions, requireModelDir } from './train';

const USAGE =
  'valuecast score --model-dir <dir> --data <file|dir>... [--as-of YYYY-MM-DD] --out predictions.csv [--columns …] [--dataset default]';
const HELP = `Usage: ${USAGE}

Scores every customer of --data with the champion of <model-dir>/models/<dataset>/ (written by valuecast
train) as of the end of --as-of (default: the last day of the data) and writes predictions.csv:
customer_id,predicted_value,p_return,value_decile,model_version (value_decile 1 = the top 10%).
A champion trained on a customer table scores a customer table with the same columns (its label column
is not read); dates count as of --as-of (default: the end of the table's latest date).`;

/** `valuecast score`: batch predictions of the champion model for local files. */
export const scoreCommand: Command = async (args) => {
  const values = parseOptions(args, { out: { type: 'string' } }, 'score');
  if (values.help) {
    console.log(HELP);
    return;
  }
  const modelDir = requireModelDir(values['model-dir'], 'score');
  if (!values.out) throw new UsageError('--out is required (see valuecast score --help)');
  const asOfOption = values['as-of'] === undefined ? undefined : parseAsOf(values['as-of']);
  const dataset = datasetOf(values.dataset);

  const progress = terminalProgress();
  const champion = await loadChampionModel(new FsBlobStore(modelDir), dataset).catch((e: unknown) => {
    if (e instanceof NoChampionError)
      throw new UsageError(`${e.message} (valuecast train --model-dir ${modelDir})`);
    throw e;
  });
  try {
    const input = await loadData(values.data, values.columns, progress, 'score');
    const { meta } = champion;
    const mismatch = () =>
      new UsageError(
        `the champion ${champion.version} was trained on ${isCustomerTableMeta(meta) ? 'a customer table' : 'transactions'}, but --data holds ${input.kind === 'customer-table' ? 'a customer table' : 'transactions'}`,
      );
    progress.update(`scoring with ${champion.version}`);
    let asOf: number;
    let scored: ScoredCustomers;
    let horizon: string;
    if (input.kind === 'customer-table') {
      if (!isCustomerTableMeta(meta)) throw mismatch();
      asOf = asOfOption ?? latestDateAsOf(input.table) ?? Date.parse(meta.encoding.asOf);
      scored = scoreCustomerTable(champion.model, meta.encoding, input.table, asOf);
      horizon = `the model's label, ${meta.label.column}`;
    } else {
      if (isCustomerTableMeta(meta)) throw mismatch();
      asOf = asOfOption ?? defaultAsOf(input.table);
      scored = scoreCustomers(champion.model, meta.featureSpec, input.table, asOf);
      horizon = `spend over the next ${meta.horizonDays} days`;
    }
    await writeFile(values.out, predictionsCsv(scored, champion.version));
    progress.done(
      `scored ${scored.customerIds.length.toLocaleString('en')} customers with ${champion.version} as of ${new Date(asOf).toISOString()} (${horizon}): ${values.out}`,
    );
  } finally {
    champion.model.dispose();
  }
};
