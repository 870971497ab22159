import { writeFile } from 'node:fs/promises';
import { FsBlobStore } from '../../lib/store/fs-store';
import { predictionsCsv } from '../../lib/training/predictions-csv';
import { loadChampionModel, NoChampionError, scoreCustomers } from '../../lib/training/score-customers';
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
customer_id,predicted_value,p_return,value_decile,model_version (value_decile 1 = the top 10%).`;

/** `valuecast score`: batch predictions of the champion model for local files. */
export const scoreCommand: Command = async (args) => {
  const { values } = parseOptions(args, { out: { type: 'string' } });
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
    const { table } = await loadData(values.data, values.columns, progress, 'score');
    const asOf = asOfOption ?? defaultAsOf(table);
    progress.update(`scoring with ${champion.version}`);
    const scored = scoreCustomers(champion.model, champion.meta.featureSpec, table, asOf);
    await writeFile(values.out, predictionsCsv(scored, champion.version));
    progress.done(
      `scored ${scored.customerIds.length.toLocaleString('en')} customers with ${champion.version} as of ${new Date(asOf).toISOString()} (spend over the next ${champion.meta.horizonDays} days): ${values.out}`,
    );
  } finally {
    champion.model.dispose();
  }
};
