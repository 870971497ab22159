import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { localStack } from '../../scripts/local-stack';
import { PROJECT_ROOT } from '../support/shell';

const PORTS = [4569, 3000, 3002];

/**
 * README.md "Local stack": `npm start`, verbatim, must bring the stack up (S3 with the data bucket, and the
 * API) and stop on Ctrl-C, freeing its ports. global-setup.ts runs this before it starts the integration
 * project's own stack, which differs from `npm start` on purpose: a temporary S3 directory (`npm start`
 * keeps objects in .s3-local/) and no source watching (a reload mid-run ends every worker).
 * @throws Error with the command's output when it does not get there
 */
export async function checkNpmStart(timeoutMs = 180_000): Promise<void> {
  // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
  const child = spawn('sh', ['-c', 'npm start'], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const ready = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/^Ready\./m.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  const fail = (why: string) => new Error(`npm start ${why}; its output:\n${output}`);
  try {
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout' as const),
    ]);
    if (outcome !== 'ready')
      throw fail(outcome === 'exited' ? 'exited before it was ready' : 'was not ready in time');
    const health = await fetch(`${localStack.apiUrl}/health`);
    if (health.status !== 200) throw fail(`is ready but GET /health answers ${health.status}`);
    const bucket = await fetch(`${localStack.s3Endpoint}/${localStack.bucket}/`);
    if (bucket.status !== 200) throw fail(`is ready but the bucket answers ${bucket.status}`);
  } finally {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGINT');
  }
  const stopped = await Promise.race([exited.then(() => true), sleep(30_000, false, { ref: false })]);
  if (!stopped) {
    process.kill(-(child.pid as number), 'SIGKILL');
    throw fail('did not stop within 30 s of Ctrl-C');
  }
  for (const port of PORTS) if (!(await portIsFree(port))) throw fail(`stopped but left port ${port} in use`);
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
