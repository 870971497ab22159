import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainResult } from '../functions/train';
import type { IngestReport } from '../lib/ingest';
import type { ModelMeta } from '../lib/registry/model-meta';
import { getJson, getText } from '../lib/store/blob-store';
import { metaKey, predictionsKey, reportKey, uploadKey, uploadsPrefix } from '../lib/store/bucket-layout';
import { generateToDirectory } from './generate';
import { localStack, startLocalStack } from './local-stack';
import { bucketStore, invokeFunction, waitForReport } from './stack-client';

/**
 * `npm run demo [-- --data <file|dir>] [--customers N] [--dataset NAME]`: the whole product in one command.
 * Starts the local stack (S3 server + offline API), uploads a generated shop (or your own export), waits
 * for preprocessing, trains through the training Lambda, calls the API, copies the model's report.html out
 * of S3, prints a summary, and stops what it started — also on Ctrl-C or failure. A local stack that is
 * already running (`npm start` in another terminal, or the integration tests') is used, and left running.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', multiple: true },
      customers: { type: 'string', default: '3000' },
      dataset: { type: 'string', default: 'demo' },
    },
  });
  const dataset = values.dataset;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'valuecast-demo-'));
  const files = values.data?.length
    ? await expandFiles(values.data)
    : await sampleShop(scratch, values.customers);

  const running = await localStackAnswers();
  // The stack's own output (serverless offline, every function call) would bury the summary: to a log file.
  const stackLog = path.join(os.tmpdir(), 'valuecast-demo-stack.log');
  step(
    running
      ? `using the local stack already running (S3 ${localStack.s3Endpoint}, API ${localStack.apiUrl})`
      : `starting the local stack (S3 ${localStack.s3Endpoint}, API ${localStack.apiUrl}; its output: ${stackLog})`,
  );
  const log = running ? undefined : createWriteStream(stackLog);
  const stack = log
    ? await startLocalStack({
        s3Directory: path.join(scratch, 's3'),
        onOutput: (line) => log.write(`${line}\n`),
      })
    : undefined;
  const stop = async () => {
    await stack?.stop();
    log?.end();
    await rm(scratch, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void stop().finally(() => process.exit(130));
  });
  try {
    step(`uploading ${files.length} file(s) to s3://${localStack.bucket}/${uploadsPrefix(dataset)}`);
    const reports: IngestReport[] = [];
    for (const file of files) {
      const name = path.basename(file).replace(/\.(csv|txt)(\.gz)?$/i, '');
      const suffix = file.endsWith('.gz') ? '.csv.gz' : '.csv';
      await bucketStore.put(uploadKey(dataset, `${name}${suffix}`), createReadStream(file));
      reports.push(await waitForReport(dataset, name, 300_000));
    }
    printIngest(reports);

    step(`training (invoking ${localStack.functionName('train')})`);
    const trained = await invokeFunction('train', { dataset }, 900_000);
    const result = trained.payload as TrainResult;
    const model = result.trained?.[0];
    if (trained.status !== 200 || !model)
      throw new Error(`training failed: ${JSON.stringify(trained.payload)}`);
    const meta = await getJson<ModelMeta>(bucketStore, metaKey(dataset, model.version));
    if (meta) printEvaluation(meta);
    console.log(
      `  model ${model.version}: ${model.promoted ? 'promoted to champion' : 'not promoted'} (${model.reason})`,
    );

    step('calling the API');
    for (const route of ['/health', `/model?dataset=${dataset}`]) {
      const response = await fetch(`${localStack.apiUrl}${route}`);
      console.log(`  GET ${route} → ${response.status} ${(await response.text()).slice(0, 160)}`);
    }

    const predictions = await getText(bucketStore, predictionsKey(dataset, model.version));
    const lines = predictions?.trim().split('\n') ?? [];
    console.log(
      `\nTop customers by predicted ${meta?.horizonDays ?? ''}-day spend (of ${lines.length - 1}):`,
    );
    const top = lines
      .slice(1)
      .map((line) => line.split(','))
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .slice(0, 5);
    // The prediction's five columns; the outlook columns (interval, P(alive), …) follow them in the file.
    console.log(`  ${lines[0]?.split(',').slice(0, 5).join(',')}`);
    for (const row of top) console.log(`  ${row.slice(0, 5).join(',')}`);
    if (meta && 'segments' in meta && meta.segments)
      console.log(
        `  segments: ${meta.segments.map((s) => `${s.segment} ${s.customers.toLocaleString('en')}`).join(', ')}`,
      );
    const best = top[0]?.[0];
    if (best) {
      const route = `/customers/${encodeURIComponent(best)}?dataset=${dataset}`;
      const response = await fetch(`${localStack.apiUrl}${route}`);
      console.log(`\n  GET ${route} → ${response.status} ${await response.text()}`);
    }
    const report = await copyReport(dataset, model.version);
    console.log(
      `\nArtifacts: s3://${localStack.bucket}/models/${dataset}/${model.version}/ (model.json, weights.bin, meta.json, report.html, predictions.csv)`,
    );
    console.log(`Report: ${report} (open it in a browser: it needs no network)`);
  } finally {
    step(
      stack ? 'stopping the local stack' : 'leaving the local stack running: it was running before the demo',
    );
    await stop();
  }
}

/** Whether a local stack already answers: its API's `GET /health` and its S3 server. */
async function localStackAnswers(): Promise<boolean> {
  const answers = async (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status < 500,
      () => false,
    );
  return (await answers(`${localStack.apiUrl}/health`)) && (await answers(localStack.s3Endpoint));
}

/** The model's report.html, copied out of the local S3 (gone once a stack the demo started stops) to a file. */
async function copyReport(dataset: string, version: string): Promise<string> {
  const key = reportKey(dataset, version);
  const html = await getText(bucketStore, key);
  if (html === undefined) throw new Error(`training wrote no s3://${localStack.bucket}/${key}`);
  const file = path.join(os.tmpdir(), `valuecast-${dataset}-report.html`);
  await writeFile(file, html);
  return file;
}

async function sampleShop(scratch: string, customers: string | undefined): Promise<string[]> {
  const out = path.join(scratch, 'shop');
  const count = Number(customers);
  step(`generating a sample shop: ${count.toLocaleString('en')} customers, two years of orders (seeded)`);
  const { files } = await generateToDirectory({ customers: count, out });
  return files.map((f) => path.join(out, f));
}

async function expandFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if ((await stat(input)).isDirectory()) {
      for (const name of (await readdir(input)).sort())
        if (/\.(csv|txt)(\.gz)?$/i.test(name)) files.push(path.join(input, name));
    } else files.push(input);
  }
  if (files.length === 0) throw new Error(`no .csv, .txt or .csv.gz file in ${inputs.join(', ')}`);
  return files;
}

function printIngest(reports: IngestReport[]): void {
  const sum = (pick: (r: IngestReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const reasons: Record<string, number> = {};
  for (const r of reports)
    for (const [reason, n] of Object.entries(r.rejectedByReason))
      reasons[reason] = (reasons[reason] ?? 0) + n;
  const failed = reports.filter((r) => r.status !== 'ok');
  console.log(
    `  ${sum((r) => r.rowsRead).toLocaleString('en')} rows read, ${sum((r) => r.rowsAccepted).toLocaleString('en')} accepted, ` +
      `${sum((r) => r.rowsRejected).toLocaleString('en')} rejected ${JSON.stringify(reasons)}` +
      (failed.length
        ? `; ${failed.length} file(s) failed: ${failed.map((r) => `${r.source}: ${r.failureReason}`).join('; ')}`
        : ''),
  );
}

function printEvaluation(meta: ModelMeta): void {
  const { evaluation } = meta;
  if (!evaluation) {
    console.log(`  not evaluated out of time: ${'notEvaluated' in meta ? meta.notEvaluated?.reason : ''}`);
    return;
  }
  const customers = evaluation.customers.toLocaleString('en');
  console.log(
    'window' in evaluation
      ? `  out-of-time evaluation: fitted before ${evaluation.window.from.slice(0, 10)}, judged on spend until ${evaluation.window.to.slice(0, 10)} (${customers} customers)`
      : `  evaluation on a random holdout of ${customers} customers (a customer table has no time axis)`,
  );
  console.log('  system              gini  spearman  decileMape');
  for (const [name, m] of Object.entries(evaluation.systems)) {
    console.log(`  ${name.padEnd(18)} ${fmt(m.gini)}  ${fmt(m.spearman)}     ${fmt(m.decileMape)}`);
  }
}

const fmt = (x: number | null | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '  -  ';
const step = (message: string) => console.log(`\n▸ ${message}`);

main().catch((e: unknown) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
