import { spawnSync } from 'node:child_process';
import path from 'node:path';

const projectRoot = path.resolve(__dirname, '..');

export interface PackageOptions {
  /** Stage to package (default `dev`); its bucket name is a parameter, so no AWS account is looked up. */
  stage?: string;
  /** Where the artifacts and templates go (default `.serverless/`). */
  outDir?: string;
}

export class PackagingError extends Error {
  constructor(step: string, output: string) {
    super(`${step} failed:\n${output.trim()}`);
    this.name = 'PackagingError';
  }
}

/**
 * `serverless package`: bundle each function with esbuild and write the zips and CloudFormation
 * templates to `outDir`. Works offline with no AWS credentials. Returns the update-stack template's path.
 */
export function packageService({ stage = 'dev', outDir = '.serverless' }: PackageOptions = {}): string {
  const result = spawnSync(
    process.execPath,
    [require.resolve('serverless/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir],
    {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', FORCE_COLOR: '0' },
    },
  );
  if (result.status !== 0)
    throw new PackagingError('serverless package', `${result.stdout}\n${result.stderr}`);
  return path.resolve(projectRoot, outDir, 'cloudformation-template-update-stack.json');
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
  const template = packageService();
  console.log(`Packaged into .serverless/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const lint = lintTemplate(template);
  if (lint.skipped) {
    console.log('cfn-lint is not installed: template lint skipped (pip install cfn-lint to run it)');
  } else if (lint.ok) {
    console.log('cfn-lint: template clean');
  } else {
    throw new PackagingError('cfn-lint', lint.output);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e: unknown) {
    console.error(`npm run package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
