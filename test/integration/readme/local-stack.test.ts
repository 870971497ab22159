import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../../../functions/train';
import type { IngestReport } from '../../../lib/ingest';
import { getText } from '../../../lib/store/blob-store';
import { localStack } from '../../../scripts/local-stack';
import { bucketStore, waitForReport } from '../../../scripts/stack-client';
import { readmeSection } from '../../support/readme-commands';
import { type CommandCheck, checkOf, runInShell, type ShellRun } from '../../support/shell';

// README.md "Local stack" then "HTTP API": their shell blocks, read from the README and run verbatim, in
// order, as one terminal session (an `export` holds for the lines after it), against the stack the
// integration project runs (test/integration/global-setup.ts). Each command is checked for its effect.
const commands = [...readmeSection('Local stack'), ...readmeSection('HTTP API')];

const awsInstalled = spawnSync('aws', ['--version']).status === 0;
const S3_URL = /^s3:\/\/([^/]+)\/(.*)$/;

/** `aws … s3 cp --recursive <dir> s3://bucket/uploads/<dataset>/`: its dataset and the sources uploaded. */
async function recursiveUpload(command: string): Promise<{ dataset: string; sources: string[] }> {
  const [from, to] = command.split(' ').slice(-2) as [string, string];
  const dataset = /^s3:\/\/[^/]+\/uploads\/([^/]+)\/$/.exec(to)?.[1];
  if (!dataset) throw new Error(`not an upload to s3://<bucket>/uploads/<dataset>/: ${command}`);
  const sources = (await readdir(from)).filter((f) => f.endsWith('.csv')).map((f) => f.replace(/\.csv$/, ''));
  return { dataset, sources };
}

/**
 * Where the aws CLI is not installed (a user's machine, CI), what its README lines do, through the SDK,
 * so the lines after them still have data: upload a directory, or print an object.
 */
async function awsStandIn(command: string): Promise<ShellRun> {
  const args = command.split(' ');
  const [source, target] = args.slice(-2) as [string, string];
  if (args.includes('--recursive')) {
    const prefix = S3_URL.exec(target)?.[2] ?? '';
    for (const file of (await readdir(source)).sort())
      await bucketStore.put(`${prefix}${file}`, createReadStream(path.join(source, file)));
    return { status: 0, stdout: '', stderr: '' };
  }
  if (target === '-') {
    const text = await getText(bucketStore, S3_URL.exec(source)?.[2] ?? '');
    return text === undefined
      ? { status: 1, stdout: '', stderr: `no object ${source}` }
      : { status: 0, stdout: text, stderr: '' };
  }
  throw new Error(`no SDK stand-in for this aws command (install the aws CLI to run it): ${command}`);
}

/** The champion the README's train invocation made: what the API lines must serve. */
let trained: { dataset: string; version: string } | undefined;

const checks: CommandCheck[] = [
  {
    command: /^npm run generate -- /,
    assess: (run) => expect(run.stdout + run.stderr).toMatch(/wrote [\d,]+ rows \([\d.]+ MB\) in 24 files/),
  },
  {
    command: /^export AWS_ACCESS_KEY_ID=\S+ AWS_SECRET_ACCESS_KEY=\S+ AWS_DEFAULT_REGION=\S+$/,
    // Its effect is the session's: the aws lines after it run with these credentials, and are checked.
    assess: () => {},
  },
  {
    command: /^aws --endpoint-url \S+ s3 cp --recursive \S+ s3:\/\/\S+\/uploads\/\S+\/$/,
    assess: async (_run, command) => {
      // The S3 trigger ingests each file in the background: every one gets its report.
      const { dataset, sources } = await recursiveUpload(command);
      const reports: IngestReport[] = [];
      for (const source of sources) reports.push(await waitForReport(dataset, source, 300_000));
      expect(reports).toHaveLength(24);
      expect(reports.every((r) => r.status === 'ok')).toBe(true);
      for (const source of sources)
        expect(await bucketStore.head(`normalized/${dataset}/${source}.parquet`), source).toBeDefined();
    },
  },
  {
    command: /^aws --endpoint-url \S+ s3 cp s3:\/\/\S+\/reports\/ingest\/\S+\.json -$/,
    assess: (run, command) => {
      const [dataset, source] = /reports\/ingest\/([^/]+)\/(\S+)\.json/.exec(command)?.slice(1) ?? [];
      const report = JSON.parse(run.stdout) as IngestReport;
      expect(report).toMatchObject({ dataset, source, status: 'ok', kind: 'transactions' });
      expect(report.rowsRead).toBeGreaterThan(0);
      expect(report.rowsAccepted + report.rowsRejected).toBe(report.rowsRead);
    },
  },
  {
    command:
      /^curl -s -X POST http:\/\/127\.0\.0\.1:3002\/2015-03-31\/functions\/valuecast-local-train\/invocations /,
    assess: async (run, command) => {
      const dataset = (JSON.parse(/-d '(.*)'$/.exec(command)?.[1] ?? '{}') as { dataset: string }).dataset;
      const result = JSON.parse(run.stdout) as TrainResult;
      expect(result.skipped).toEqual([]);
      expect(result.trained).toHaveLength(1);
      const [model] = result.trained;
      expect(model).toMatchObject({ dataset, promoted: true });
      expect(model?.metrics?.gini).toBeGreaterThan(0.3);
      trained = { dataset, version: model?.version as string };
      for (const file of ['model.json', 'weights.bin', 'meta.json', 'predictions.csv', 'report.html'])
        expect(await bucketStore.head(`models/${dataset}/${trained.version}/${file}`), file).toBeDefined();
    },
  },
  {
    command: /^curl -s http:\/\/127\.0\.0\.1:3000\/health$/,
    assess: (run) => expect(JSON.parse(run.stdout)).toEqual({ status: 'ok' }),
  },
  {
    command: /^curl -s '?http:\/\/127\.0\.0\.1:3000\/model\?dataset=/,
    assess: (run) => {
      const model = JSON.parse(run.stdout);
      expect(model).toMatchObject({ dataset: trained?.dataset, version: trained?.version });
      expect(model.evaluation.systems.model.gini).toBeGreaterThan(0.3);
    },
  },
  {
    command: /^curl -s '?http:\/\/127\.0\.0\.1:3000\/customers\/[^?]+\?dataset=/,
    assess: (run, command) => {
      const id = /\/customers\/([^?]+)\?/.exec(command)?.[1];
      const row = JSON.parse(run.stdout);
      expect(row).toMatchObject({ id });
      expect(row.predictedValue).toBeGreaterThanOrEqual(0);
    },
  },
  {
    command: /^curl -s -X POST http:\/\/127\.0\.0\.1:3000\/predict -H 'content-type: application\/json' -d '/,
    assess: (run, command) => {
      const body = JSON.parse(/-d '(.*)'$/.exec(command)?.[1] ?? '{}') as { customers: { id: string }[] };
      const answer = JSON.parse(run.stdout);
      expect(answer).toMatchObject({ modelVersion: trained?.version });
      expect(answer.predictions.map((p: { id: string }) => p.id)).toEqual(body.customers.map((c) => c.id));
      for (const p of answer.predictions) {
        expect(p.predictedValue).toBeGreaterThanOrEqual(0);
        expect(p.pReturn).toBeGreaterThanOrEqual(0);
        expect(p.pReturn).toBeLessThanOrEqual(1);
        expect(p.valueDecile).toBeGreaterThanOrEqual(1);
        expect(p.valueDecile).toBeLessThanOrEqual(10);
      }
    },
  },
];

describe(`README "Local stack" and "HTTP API", run verbatim in order against ${localStack.s3Endpoint}`, () => {
  const exported: string[] = [];
  for (const command of commands) {
    it(command, async () => {
      // Prepare
      const check = checkOf(checks, command);

      // Act
      let run: ShellRun;
      if (command.startsWith('aws ') && !awsInstalled) {
        console.log(`aws CLI not installed: done through the SDK instead: ${command}`);
        run = await awsStandIn(command);
      } else {
        run = await runInShell([...exported, command].join('\n'));
      }

      // Assess
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      await check.assess(run, command);
      if (command.startsWith('export ')) exported.push(command);
    }, 900_000);
  }

  it('has no check for a command the sections no longer show', () => {
    // Assess
    expect(checks.filter((c) => !commands.some((command) => c.command.test(command)))).toEqual([]);
  });
});
