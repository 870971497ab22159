import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runNodeBounded } from './run-node-bounded';

const projectRoot = path.resolve(__dirname, '..');

/**
 * `serverless package` took 14–18 s here (three functions, on a 2-core machine shared with other work); 300 s
 * is 17–20 times that, room for a slow laptop or a cold disk cache, and still ends a hung run.
 */
export const DEFAULT_PACKAGE_TIMEOUT_SECONDS = 300;
const TIMEOUT_VARIABLE = 'PACKAGE_TIMEOUT_SECONDS';

export interface PackageOptions {
  /** Stage to package (default `dev`); its bucket name is a parameter, so no AWS account is looked up. */
  stage?: string;
  /** Where the artifacts and templates go (default `.serverless/`). */
  outDir?: string;
  /** How long packaging may take (default: `PACKAGE_TIMEOUT_SECONDS` from the environment, else 300 s). */
  timeoutMs?: number;
  /** serverless.yml parameters (`--param="k=v"`), e.g. `{ apiAccess: 'open' }`. */
  params?: Record<string, string>;
  /** More arguments for `serverless package` (what `npm run package -- …` is given). */
  extraArgs?: string[];
  /** The environment serverless runs in (default this process's): API_KEY, API_KEY_SSM_PARAMETER, … */
  env?: NodeJS.ProcessEnv;
}

/** A packaging step failed: `message` is one line, `output` what the step printed. */
export class PackagingError extends Error {
  constructor(
    message: string,
    readonly output = '',
  ) {
    super(message);
    this.name = 'PackagingError';
  }
}

/** The packaging time limit from `PACKAGE_TIMEOUT_SECONDS` (a positive number of seconds), else the default. */
export function packageTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = env[TIMEOUT_VARIABLE];
  if (value === undefined || value === '') return DEFAULT_PACKAGE_TIMEOUT_SECONDS * 1000;
  const seconds = Number(value);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new PackagingError(`environment variable ${TIMEOUT_VARIABLE} is not a positive number of seconds`);
  return seconds * 1000;
}

/**
 * `serverless package`: bundle each function with esbuild and write the zips and CloudFormation
 * templates to `outDir`. Works offline with no AWS credentials. Returns the update-stack template's path.
 * Throws {@link PackagingError} when serverless fails (within seconds of its error, though a failed build
 * leaves esbuild's service process keeping it alive) or does not finish within `timeoutMs`; either way
 * nothing it started is left running.
 */
export function packageService({
  stage = 'dev',
  outDir = '.serverless',
  timeoutMs = packageTimeoutMs(process.env),
  params = {},
  extraArgs = [],
  env = process.env,
}: PackageOptions = {}): string {
  const run = runNodeBounded(
    [
      require.resolve('serverless/bin/serverless.js'),
      'package',
      '--stage',
      stage,
      '--package',
      outDir,
      ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`),
      ...extraArgs,
    ],
    {
      cwd: projectRoot,
      env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', FORCE_COLOR: '0' },
      timeoutMs,
    },
  );
  const output = `${run.stdout}\n${run.stderr}`.trim();
  if (run.timedOut)
    throw new PackagingError(
      `serverless package did not finish within ${timeoutMs / 1000} s and was ended with all it started ` +
        `(${TIMEOUT_VARIABLE} sets the limit)`,
      output,
    );
  if (run.status !== 0)
    throw new PackagingError(
      `serverless package failed: ${serverlessError(run.stdout) ?? `exit code ${run.status}`}`,
      output,
    );
  return path.resolve(projectRoot, outDir, 'cloudformation-template-update-stack.json');
}

/**
 * The error serverless reports, on one line: it prints `Error:` on a line of its own on stdout, then the
 * message (and, for a programmer error, a stack, left out here).
 */
export function serverlessError(stdout: string): string | undefined {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'Error:');
  if (start < 0) return undefined;
  const message: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || /^\s+at /.test(line)) break;
    message.push(line.trim());
  }
  return message.length > 0 ? message.join(' ') : undefined;
}

/** The outcome of linting a template: `skipped` when cfn-lint is not installed on this machine. */
export type LintOutcome = { skipped: true } | { skipped: false; ok: boolean; output: string };

/**
 * Lint a CloudFormation template with cfn-lint where it is installed. W3005 (DependsOn already implied)
 * is ignored: Serverless generates those redundant DependsOn entries itself.
 */
export function lintTemplate(templatePath: string): LintOutcome {
  const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], {
    encoding: 'utf8',
  });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') return { skipped: true };
  return { skipped: false, ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function main(): void {
  const started = Date.now();
  // `npm run package -- --param="apiAccess=open"`: the arguments go to serverless.
  const template = packageService({ extraArgs: process.argv.slice(2) });
  console.log(`Packaged into .serverless/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const lint = lintTemplate(template);
  if (lint.skipped) {
    console.log('cfn-lint is not installed: template lint skipped (pip install cfn-lint to run it)');
  } else if (lint.ok) {
    console.log('cfn-lint: template clean');
  } else {
    throw new PackagingError('cfn-lint found problems in the template', lint.output);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e: unknown) {
    if (e instanceof PackagingError && e.output !== '') console.error(e.output);
    console.error(`npm run package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
