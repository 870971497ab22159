import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BASELINE_SYSTEMS,
  type BacktestResult,
  type BacktestSystem,
  runBacktest,
} from '../../lib/evaluate/backtest';
import { type IngestReport, loadTransactionsFromFiles, parseColumnMapping } from '../../lib/ingest';
import type { EpochLog } from '../../lib/model/value-model';
import { summarizeIngestReports } from '../../lib/registry/data-quality';
import { csvCell } from '../../lib/registry/predictions-csv';
import { renderReport } from '../../lib/report/render-report';
import { backtestReportData } from '../../lib/report/report-data';
import { modelSystem } from '../../lib/training/model-system';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { parseCommandOptions, requireData } from '../data-option';
import { metricsTable } from '../metrics-table';
import { terminalProgress } from '../progress';

const USAGE =
  'valuecast backtest --data <file|dir>... --cutoff YYYY-MM-DD --horizon <days> [--columns customer=…,date=…,amount=…] [--systems model,mlp,bgnbd_gammagamma,linear,last_window] [--out metrics.json] [--predictions predictions.csv] [--report report.html]';
const DEFAULT_REPORT = 'backtest-report.html';

/**
 * `valuecast backtest`: out-of-time benchmark of every system on local files. Prints one row per system;
 * `--out` writes metrics.json, `--predictions` every system's prediction per customer. Always writes the
 * HTML report: to `--report`, else as report.html beside `--out`, else to ./backtest-report.html.
 */
export const backtestCommand: Command = async (args) => {
  const values = parseCommandOptions(
    args,
    {
      cutoff: { type: 'string' },
      horizon: { type: 'string' },
      columns: { type: 'string' },
      systems: { type: 'string' },
      out: { type: 'string' },
      predictions: { type: 'string' },
      report: { type: 'string' },
    },
    'backtest',
  );
  if (values.help) {
    console.log(`Usage: ${USAGE}`);
    return;
  }
  const data = requireData(values.data, 'backtest');
  if (!values.cutoff) throw new UsageError(`--cutoff is required (see valuecast backtest --help)`);
  const horizonDays = Number(values.horizon);
  if (!values.horizon || !Number.isInteger(horizonDays) || horizonDays <= 0)
    throw new UsageError(`--horizon must be a positive whole number of days, got "${values.horizon ?? ''}"`);
  const columns = values.columns === undefined ? undefined : parseColumnMapping(values.columns);
  const progress = terminalProgress();
  const systems = chooseSystems(values.systems, (message) => progress.update(`backtest: ${message}`));

  const started = performance.now();
  const { table, reports } = await loadTransactionsFromFiles(data, {
    columns,
    onProgress: (rows, _bytes, file) => progress.update(`reading ${file}: ${rows.toLocaleString('en')} rows`),
  });
  progress.done(loadSummary(reports, table.length, (performance.now() - started) / 1000));
  if (table.length === 0) throw new UsageError(`no transactions could be read from ${data.join(', ')}`);

  const result = await runBacktest(table, {
    cutoff: values.cutoff,
    horizonDays,
    systems,
    onProgress: (message) => progress.update(`backtest: ${message}`),
  });
  progress.done();
  console.log(formatTable(result));
  if (values.out) {
    await writeFile(values.out, `${JSON.stringify(metricsJson(result), null, 2)}\n`);
    console.error(`metrics written to ${values.out}`);
  }
  if (values.predictions) {
    await writeFile(values.predictions, predictionsCsv(result));
    console.error(`predictions written to ${values.predictions}`);
  }
  const report = reportPath(values.report, values.out);
  const reportData = backtestReportData(result, summarizeIngestReports(reports), new Date().toISOString());
  await writeFile(report, renderReport(reportData));
  console.error(`report written to ${report}`);
};

/** Where the HTML report goes: `--report`, else report.html beside metrics.json, else the current directory. */
export function reportPath(report: string | undefined, out: string | undefined): string {
  if (report) return report;
  return out ? path.join(path.dirname(out), 'report.html') : DEFAULT_REPORT;
}

/** Every system `valuecast backtest` knows, in the order of its table; all run by default. */
export function backtestSystems(onProgress: (message: string) => void): BacktestSystem[] {
  const fitProgress = (name: string) => ({
    onEpoch: (log: EpochLog) =>
      onProgress(
        `${name}: epoch ${log.epoch}, loss ${log.trainLoss.toFixed(4)}` +
          (log.validationLoss === undefined ? '' : `, held-out loss ${log.validationLoss.toFixed(4)}`),
      ),
    onProgress: (message: string) => onProgress(`${name}: ${message}`),
  });
  return [
    modelSystem(fitProgress('model')),
    modelSystem({ name: 'mlp', fit: { architecture: 'mlp', members: 1 }, ...fitProgress('mlp') }),
    ...BASELINE_SYSTEMS,
  ];
}

function chooseSystems(list: string | undefined, onProgress: (message: string) => void): BacktestSystem[] {
  const all = backtestSystems(onProgress);
  if (list === undefined) return all;
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !all.some((s) => s.name === name));
  if (names.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--systems takes a comma-separated list of ${all.map((s) => s.name).join(', ')}` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  return all.filter((s) => names.includes(s.name));
}

function loadSummary(reports: IngestReport[], rows: number, seconds: number): string {
  const rejected = reports.reduce((n, r) => n + r.rowsRejected, 0);
  const failed = reports.filter((r) => r.status === 'failed');
  const notes = failed.map((r) => `\n  skipped ${r.sourceKey ?? r.source}: ${r.failureReason ?? 'failed'}`);
  return `read ${reports.length} file(s): ${rows.toLocaleString('en')} transactions, ${rejected.toLocaleString('en')} rows rejected (${seconds.toFixed(1)} s)${notes.join('')}`;
}

/** The metrics.json document of docs/contracts.md (plus `featureSeconds`, the shared feature time). */
export function metricsJson(result: BacktestResult) {
  return {
    cutoff: result.cutoff,
    horizonDays: result.horizonDays,
    customers: result.customers,
    returningShare: result.returningShare,
    featureSeconds: result.featureSeconds,
    systems: Object.fromEntries(result.systems.map((s) => [s.name, { ...s.metrics, seconds: s.seconds }])),
  };
}

/** A fixed-width table: one row per system, one column per metric, then seconds. */
export function formatTable(result: BacktestResult): string {
  const title =
    `backtest: cutoff ${result.cutoff}, horizon ${result.horizonDays} days, ${result.customers.toLocaleString('en')} customers scored, ` +
    `${(100 * result.returningShare).toFixed(1)}% returning; shared features ${result.featureSeconds.toFixed(2)} s`;
  const rows = result.systems.map((s) => ({
    name: s.name,
    metrics: s.metrics,
    extra: [s.seconds.toFixed(2)],
  }));
  return [title, metricsTable(rows, ['seconds'])].join('\n');
}

/** customer_id, actual_value, then one column per system; cells a spreadsheet would run are neutralized. */
export function predictionsCsv(result: BacktestResult): string {
  const header = ['customer_id', 'actual_value', ...result.systems.map((s) => s.name)];
  const lines = [header.map(csvCell).join(',')];
  result.customerIds.forEach((id, r) => {
    const cells = [csvCell(id), String(result.actual[r])];
    for (const s of result.systems) cells.push(String(s.predictions[r]));
    lines.push(cells.join(','));
  });
  return `${lines.join('\n')}\n`;
}
