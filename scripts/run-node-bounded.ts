import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Preloaded into every child: ends it once it has recorded a failure, or when its parent is gone. */
const CHILD_GUARD = path.join(__dirname, 'child-guard.cjs');

export interface BoundedRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** After this long the child is killed, with everything it started. */
  timeoutMs: number;
}

export interface BoundedRun {
  /** The exit code; null when the run was killed at the timeout. */
  status: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Run `node <args>` to its end, never longer than `timeoutMs` and never leaving anything running. The child
 * leads its own process group, killed as soon as the child has exited or timed out, so whatever it started
 * and left behind (esbuild's service process) goes with it. Its output goes to files rather than pipes: a
 * left-behind grandchild holding a pipe open would otherwise keep this waiting until the timeout. The child
 * is loaded with child-guard.cjs, so a failure it records (a non-zero `process.exitCode`) ends it within
 * seconds even when an open handle would keep it alive.
 */
export function runNodeBounded(args: string[], { cwd, env, timeoutMs }: BoundedRunOptions): BoundedRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'valuecast-run-'));
  const stdoutFile = path.join(dir, 'stdout');
  const stderrFile = path.join(dir, 'stderr');
  const stdout = openSync(stdoutFile, 'w');
  const stderr = openSync(stderrFile, 'w');
  try {
    // `detached` (setsid, as for spawn) is honoured by spawnSync though its typings omit it; the unit test
    // checks that a grandchild is killed with the child.
    const options: SpawnSyncOptions & { detached: boolean } = {
      cwd,
      env,
      stdio: ['ignore', stdout, stderr],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      detached: true,
    };
    const result = spawnSync(process.execPath, ['--require', CHILD_GUARD, ...args], options);
    if (result.pid > 0) killGroup(result.pid);
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    if (result.error && !timedOut) throw result.error;
    return {
      status: timedOut ? null : result.status,
      timedOut,
      stdout: readFileSync(stdoutFile, 'utf8'),
      stderr: readFileSync(stderrFile, 'utf8'),
    };
  } finally {
    closeSync(stdout);
    closeSync(stderr);
    rmSync(dir, { recursive: true, force: true });
  }
}

function killGroup(leader: number): void {
  try {
    process.kill(-leader, 'SIGKILL');
  } catch (e: unknown) {
    // ESRCH: the group had already ended.
    if (!(e instanceof Error && 'code' in e && e.code === 'ESRCH')) throw e;
  }
}
