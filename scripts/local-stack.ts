import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../lib/store/s3-store';

/** The endpoints of the local stack (docs/contracts.md), fixed so docs, tests and the demo agree. */
export const localStack = {
  s3Endpoint: 'http://127.0.0.1:4569',
  apiUrl: 'http://127.0.0.1:3000',
  lambdaEndpoint: 'http://127.0.0.1:3002',
  bucket: 'valuecast-local-data',
  functionName: (name: 'preprocess' | 'train' | 'predict') => `valuecast-local-${name}`,
} as const;

const ports = [4569, 3000, 3002];
const projectRoot = path.resolve(__dirname, '..');

export interface LocalStackOptions {
  /** Where s3rver keeps the objects (default `.s3-local/` in the project); tests pass a temp dir. */
  s3Directory?: string;
  /** Receives every output line of serverless offline (default: written to this process's stdout). */
  onOutput?: (line: string) => void;
  /** How long to wait for S3 and the API to answer (default 120 s: the first start bundles). */
  startTimeoutMs?: number;
  /**
   * Seconds a function's worker may sit idle before serverless offline ends it (its
   * `--terminateIdleLambdaTime`, default 60); the next request then starts a fresh worker, as a cold
   * start on AWS does. The serving benchmark sets it low to measure cold starts.
   */
  idleWorkerSeconds?: number;
  /**
   * Rebuild and reload the functions when a source file changes (default false). Off for tests, the demo
   * and benchmarks: a reload ends every worker, and an invocation in flight (a training) is never
   * answered; it would also serve whatever is on disk at that moment, finished or not.
   */
  watchSources?: boolean;
}

export interface RunningLocalStack {
  /** Stop serverless offline and everything it started (the whole process group). */
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `port ${port} is already in use: another local stack (npm start) or server is running; stop it first`,
    );
    this.name = 'PortInUseError';
  }
}

export class LocalStackStartError extends Error {
  constructor(message: string, recentOutput: string[]) {
    super(
      `${message}${recentOutput.length ? `\nlast output of serverless offline:\n${recentOutput.join('\n')}` : ''}`,
    );
    this.name = 'LocalStackStartError';
  }
}

/**
 * Start the local stack: `serverless offline start --stage local`, which runs s3rver on :4569 (with
 * the S3 trigger of preprocess), the HTTP API on :3000 and the Lambda invoke endpoint on :3002.
 * Resolves once S3 answers, `GET /health` answers 200 and the data bucket exists.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<RunningLocalStack> {
  for (const port of ports) await assertPortFree(port);
  const onOutput = options.onOutput ?? ((line: string) => process.stdout.write(`${line}\n`));
  const recentOutput: string[] = [];
  const params = [
    ...(options.s3Directory ? [`--param=s3Directory=${options.s3Directory}`] : []),
    ...(options.idleWorkerSeconds ? ['--terminateIdleLambdaTime', String(options.idleWorkerSeconds)] : []),
    `--param=sourceWatch=${options.watchSources ? 'files' : 'none'}`,
  ];
  const child = spawn(
    process.execPath,
    [require.resolve('serverless/bin/serverless.js'), 'offline', 'start', '--stage', 'local', ...params],
    {
      cwd: projectRoot,
      // Its own process group, so stop() also ends the workers and servers serverless starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        FORCE_COLOR: '0',
        // s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its
        // legacy provider: without it any listing longer than one page (1,000 keys) fails with a 500.
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim(),
      },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  forwardLines(child, (line) => {
    recentOutput.push(line);
    if (recentOutput.length > 30) recentOutput.shift();
    onOutput(line);
  });
  const stack = { stop: () => stopProcessGroup(child, exited) };
  try {
    await Promise.race([
      waitUntilReady(options.startTimeoutMs ?? 120_000),
      exited.then((code) => {
        throw new LocalStackStartError(
          `serverless offline exited (code ${code}) before it was ready`,
          recentOutput,
        );
      }),
    ]);
    await ensureBucket();
  } catch (e: unknown) {
    await stack.stop();
    if (e instanceof LocalStackStartError) throw e;
    throw new LocalStackStartError(e instanceof Error ? e.message : String(e), recentOutput);
  }
  return stack;
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () => reject(new PortInUseError(port)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

function forwardLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
}

async function waitUntilReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const checks = [
    {
      what: `S3 on ${localStack.s3Endpoint}`,
      ok: async () => (await fetch(`${localStack.s3Endpoint}/`)).status < 500,
    },
    {
      what: `GET ${localStack.apiUrl}/health`,
      ok: async () => (await fetch(`${localStack.apiUrl}/health`)).ok,
    },
  ];
  for (const check of checks) {
    while (!(await check.ok().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${check.what} did not answer within ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }
}

async function ensureBucket(): Promise<void> {
  const client = createS3Client({ s3Endpoint: localStack.s3Endpoint });
  try {
    await client.send(new HeadBucketCommand({ Bucket: localStack.bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: localStack.bucket }));
  } finally {
    client.destroy();
  }
}

async function stopProcessGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGINT');
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) {
    signalGroup('SIGKILL');
    await exited;
  }
}

async function main(): Promise<void> {
  console.log(`Starting the valuecast local stack (serverless offline, stage local)…
  S3 (s3rver)        ${localStack.s3Endpoint}  bucket ${localStack.bucket}
  HTTP API           ${localStack.apiUrl}  (GET /health, POST /predict, GET /customers/{id}, GET /model; GET /ping, empty)
  Lambda invoke      ${localStack.lambdaEndpoint}/2015-03-31/functions/<name>/invocations
  functions          ${['preprocess', 'train', 'predict'].map((f) => `valuecast-local-${f}`).join(', ')}`);
  const stack = await startLocalStack({ watchSources: true });
  console.log(`
Ready. Upload order CSVs to trigger preprocessing, e.g.
  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \\
  aws --endpoint-url ${localStack.s3Endpoint} s3 cp data/cdnow/CDNOW_master.txt s3://${localStack.bucket}/uploads/cdnow/master.csv
Press Ctrl-C to stop.`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`npm start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
