import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningLocalStack, startLocalStack } from '../../scripts/local-stack';
import { checkNpmStart } from './check-npm-start';

let stack: RunningLocalStack | undefined;
let s3Directory: string | undefined;

/**
 * First README.md's `npm start`, checked on its own (up, then Ctrl-C: check-npm-start.ts). Then the local
 * stack, started once for the integration project, on a fresh S3 directory so runs do not see each other's
 * objects, and without source watching. Its output goes to a log file (printed here), not into the test report.
 */
export async function setup(): Promise<void> {
  let started = Date.now();
  await checkNpmStart();
  console.log(
    `integration: npm start came up and stopped on Ctrl-C (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  s3Directory = await mkdtemp(path.join(tmpdir(), 'valuecast-it-s3-'));
  const logPath = path.join(s3Directory, '..', `valuecast-local-stack-${process.pid}.log`);
  const log = createWriteStream(logPath);
  console.log(`integration: starting the local stack (serverless offline output: ${logPath})`);
  started = Date.now();
  stack = await startLocalStack({ s3Directory, onOutput: (line) => log.write(`${line}\n`) });
  console.log(`integration: local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  if (s3Directory) await rm(s3Directory, { recursive: true, force: true });
}
