import path from 'node:path';
import { loadInputFiles } from '../../lib/ingest/load-customer-table';
import { isCustomerTableMeta } from '../../lib/registry/model-meta';
import { FsBlobStore } from '../../lib/store/fs-store';
import { localFilesFingerprint } from '../../lib/training/data-fingerprint';
import { type TrainCustomerTableResult, trainCustomerTable } from '../../lib/training/train-customer-table';
import {
  DEFAULT_HORIZON_DAYS,
  type TrainDatasetResult,
  type TrainingProgress,
  trainDataset,
} from '../../lib/training/train-dataset';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { datasetOf, loadData, parseAsOf, parseOptions, requireModelDir } from '../command-options';
import { type MetricsRow, metricsTable } from '../metrics-table';
import { terminalProgress } from '../progress';

const USAGE =
  'valuecast train --data <file|dir>... --model-dir <dir> [--horizon 90] [--as-of YYYY-MM-DD] [--columns customer=…,date=…,amount=…] [--dataset default]';
const HELP = `Usage: ${USAGE}

Fits the model on every transaction up to and including --as-of (default: the last day of the data),
evaluates it out of time on the last --horizon days against the baselines and the current champion, and
writes <model-dir>/models/<dataset>/<version>/{model.json,weights.bin,meta.json,predictions.csv,report.html}. The
champion pointer <model-dir>/models/<dataset>/champion.json moves only if the new model is not worse.
The model directory has the bucket's layout, so it can be copied to s3://<bucket>/ as is. report.html
(printed at the end) is the model report: gain curve, deciles and metrics against the baselines, data
quality; it opens in a browser with no network.

A labelled customer table (one row per customer with a label column such as Future_Value) trains
directly on its label: evaluated on a seeded random holdout of its rows (it has no time axis), dates
encoded as days before --as-of (default: the end of the table's latest date); --horizon does not apply.`;

/** `valuecast train`: train, evaluate and (maybe) promote a model on local files. */
export const trainCommand: Command = async (args) => {
  const values = parseOptions(args, { horizon: { type: 'string' } }, 'train');
  if (values.help) {
    console.log(HELP);
    return;
  }
  const modelDir = requireModelDir(values['model-dir'], 'train');
  const horizonDays = values.horizon === undefined ? DEFAULT_HORIZON_DAYS : Number(values.horizon);
  if (!Number.isInteger(horizonDays) || horizonDays <= 0)
    throw new UsageError(`--horizon must be a positive whole number of days, got "${values.horizon}"`);
  const asOf = values['as-of'] === undefined ? undefined : parseAsOf(values['as-of']);
  const dataset = datasetOf(values.dataset);

  const progress = terminalProgress();
  const input = await loadData(values.data, values.columns, progress, 'train', loadInputFiles);
  if (input.kind === 'transactions' && input.table.length === 0)
    throw new UsageError(
      `no transactions nor labelled customer table could be read from ${(values.data ?? []).join(', ')}`,
    );
  const started = performance.now();
  const common = {
    store: new FsBlobStore(modelDir),
    dataset,
    dataFingerprint: await localFilesFingerprint(values.data ?? []),
    asOf,
    ingestReports: input.reports,
    loadSeconds: input.seconds,
    onProgress: ({ phase, message, epoch }: TrainingProgress) =>
      progress.update(
        `${phase}: ${message}${epoch ? ` (loss ${epoch.trainLoss.toFixed(4)}${epoch.validationLoss === undefined ? '' : `, validation ${epoch.validationLoss.toFixed(4)}`})` : ''}`,
      ),
  };
  if (input.kind === 'customer-table') {
    if (values.horizon !== undefined)
      throw new UsageError(
        `--horizon does not apply to a customer table: its label column (${input.table.labelColumn}) says what is predicted`,
      );
    const result = await trainCustomerTable({ ...common, table: input.table });
    progress.done();
    console.log(formatSummary(result, modelDir, (performance.now() - started) / 1000));
    return;
  }
  const result = await trainDataset({ ...common, table: input.table, horizonDays });
  progress.done();
  console.log(formatSummary(result, modelDir, (performance.now() - started) / 1000));
};

/** What the end of a training prints: how it went, the metrics table, the promotion and where the artifacts are. */
function formatSummary(
  result: TrainDatasetResult | TrainCustomerTableResult,
  modelDir: string,
  seconds: number,
): string {
  const { meta } = result;
  const { evaluation } = meta;
  const rows: MetricsRow[] = Object.entries(evaluation?.systems ?? {}).map(([name, metrics]) => ({
    name,
    metrics,
  }));
  const champion = evaluation?.champion;
  if (champion)
    rows.push({
      name: `champion${champion.basis === 'recorded' ? ' (recorded)' : ''}`,
      metrics: champion.metrics,
    });
  const customers = meta.rows.customers.toLocaleString('en');
  const evaluated =
    evaluation &&
    `${evaluation.customers.toLocaleString('en')} customers, ${(100 * evaluation.returningShare).toFixed(1)}%`;
  const about = isCustomerTableMeta(meta)
    ? [
        `trained on a customer table of ${customers} customers, label ${meta.label.column}, dates as of ${meta.asOf}, backend ${meta.backend}, ${seconds.toFixed(1)} s`,
        `random holdout of ${evaluated} with a positive label (a customer table has no time axis):`,
      ]
    : [
        `trained on ${meta.rows.transactions.toLocaleString('en')} transactions of ${customers} customers, as of ${meta.asOf}, horizon ${meta.horizonDays} days, backend ${meta.backend}, ${seconds.toFixed(1)} s`,
        meta.evaluation
          ? `validation window ${meta.evaluation.window.from.slice(0, 10)} .. ${meta.evaluation.window.to.slice(0, 10)} (exclusive), ${evaluated} returning:`
          : `NOT evaluated out of time: ${meta.notEvaluated?.reason ?? 'no validation window'}`,
        ...(meta.forecast
          ? [
              `predicted ${meta.horizonDays}-day total ${money(meta.forecast.total)} (80% interval ${money(meta.forecast.low)} – ${money(meta.forecast.high)})`,
            ]
          : []),
      ];
  return [
    ...about,
    ...(rows.length > 0 ? [metricsTable(rows)] : []),
    result.promoted
      ? `promoted ${result.version}: ${result.reason}`
      : `NOT promoted ${result.version}: ${result.reason} (the champion stays ${meta.promotion.previousChampion})`,
    `artifacts: ${path.join(modelDir, result.prefix)}/{model.json,weights.bin,meta.json,predictions.csv,report.html}`,
    `report: ${path.join(modelDir, result.reportKey)}`,
  ].join('\n');
}

function money(value: number): string {
  return value.toLocaleString('en', { maximumFractionDigits: 0 });
}
