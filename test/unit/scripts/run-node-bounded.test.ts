import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodeBounded } from '../../../scripts/run-node-bounded';

const options = { cwd: process.cwd(), env: process.env, timeoutMs: 30_000 };

/** Code for `node -e` that starts a grandchild running forever (as esbuild's service) and prints its pid. */
const startGrandchild = `const g = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['pipe', 'ignore', 'ignore'] }); console.log('grandchild', g.pid);`;

function grandchildPid(stdout: string): number {
  return Number(/grandchild (\d+)/.exec(stdout)?.[1]);
}

/** Whether a process has ended: gone, or a zombie waiting for init to reap it (`ps` works on Linux and macOS). */
function ended(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state === '' || state.startsWith('Z');
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('runNodeBounded', () => {
  it('returns the exit code and output of a child that ends by itself', () => {
    // Act
    const run = runNodeBounded(
      ['-e', 'setTimeout(() => { console.log("done"); console.error("note"); process.exitCode = 0; }, 500)'],
      options,
    );

    // Assess
    expect(run).toEqual({ status: 0, timedOut: false, stdout: 'done\n', stderr: 'note\n' });
  });

  it('kills a child that runs past the timeout, with the processes it started', () => {
    // Prepare
    const started = Date.now();

    // Act
    const run = runNodeBounded(['-e', `${startGrandchild} setInterval(() => {}, 1000);`], {
      ...options,
      timeoutMs: 1500,
    });

    // Assess
    expect(run.timedOut).toBe(true);
    expect(run.status).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ended(grandchildPid(run.stdout))).toBe(true);
  });

  it('ends within seconds a child that recorded a failure but is kept alive by a process it started', () => {
    // Prepare: as `serverless package` after a failed build, with esbuild's service still running.
    const started = Date.now();

    // Act
    const run = runNodeBounded(
      ['-e', `${startGrandchild} console.error('Build failed'); process.exitCode = 3;`],
      options,
    );

    // Assess
    expect(run).toMatchObject({ status: 3, timedOut: false, stderr: 'Build failed\n' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ended(grandchildPid(run.stdout))).toBe(true);
  });

  it('guarded children end their process group when their parent is gone (interrupted by Ctrl-C)', async () => {
    // Prepare: a parent that starts a guarded child in its own process group, as runNodeBounded does, then dies.
    const guard = path.resolve(__dirname, '../../../scripts/child-guard.cjs');
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(process.execPath, ['--require', ${JSON.stringify(guard)}, '-e', ${JSON.stringify(`${startGrandchild} setInterval(() => {}, 1000);`)}], { detached: true, stdio: ['ignore', 'inherit', 'ignore'] }); console.log('child', c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    expect(await waitUntil(() => /child \d+[\s\S]*grandchild \d+/.test(output), 10_000)).toBe(true);
    const child = Number(/child (\d+)/.exec(output)?.[1]);

    // Act
    parent.kill('SIGKILL');

    // Assess
    expect(await waitUntil(() => ended(child) && ended(grandchildPid(output)), 10_000)).toBe(true);
  });
});
