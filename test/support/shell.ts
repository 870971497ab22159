import { spawn } from 'node:child_process';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface ShellRun {
  /** The exit code (null when ended by a signal). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Longer than any README command takes here; a hung one is then ended with all it started. */
const RUN_TIMEOUT_MS = 600_000;

/**
 * Run a command line as a reader types it: `sh -c <command>` from the project root (where README.md's
 * relative paths and `npx valuecast` resolve), with `env` added to this process's environment. After
 * 10 minutes its whole process group is killed (status null, said on stderr), so nothing is left running.
 */
export function runInShell(command: string, env: NodeJS.ProcessEnv = {}): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      err.push(Buffer.from(`\nkilled after ${RUN_TIMEOUT_MS / 1000} s: ${command}\n`));
      process.kill(-(child.pid as number), 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The value after `--name` in a command line (`--out /tmp/x` → `/tmp/x`): where a command writes. */
export function optionOf(command: string, name: string): string {
  const value = new RegExp(`(?:^|\\s)${name}[ =](\\S+)`).exec(command)?.[1];
  if (value === undefined) throw new Error(`no ${name} in: ${command}`);
  return value.replace(/^'(.*)'$/, '$1');
}

/** One README command's expected effect, found by the start of the command. */
export interface CommandCheck {
  command: RegExp;
  assess: (run: ShellRun, command: string) => void | Promise<void>;
}

/**
 * The check for a README command; a command without one fails, so a command added to a claimed section
 * cannot pass unchecked.
 */
export function checkOf(checks: CommandCheck[], command: string): CommandCheck {
  const check = checks.find((c) => c.command.test(command));
  if (!check)
    throw new Error(`README command without a check in this test (add what it must do): ${command}`);
  return check;
}
