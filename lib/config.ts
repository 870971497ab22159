import * as z from 'zod';

/** The runtime configuration of the Lambdas, read from the environment once. */
export interface Config {
  /** Name of the bucket holding uploads, normalized data, reports and models. */
  dataBucket: string;
  /** Custom S3 endpoint (the local S3 server); unset on AWS. */
  s3Endpoint?: string;
  /** AWS region of the bucket; the SDK default chain applies when unset. */
  region?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`environment variable ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const schema = z.object({
  DATA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not a valid S3 bucket name'),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'is not an http(s) URL' }).optional(),
  AWS_REGION: z.string().min(1).optional(),
});

/**
 * Validate an environment into a {@link Config}. Throws {@link ConfigError} naming the first variable
 * that is missing or malformed, so a misconfigured deployment fails at its first invocation with a
 * message that says what to fix.
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(blankAsUnset);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'unknown');
    const problem = issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid');
    throw new ConfigError(variable, problem);
  }
  const { DATA_BUCKET, S3_ENDPOINT, AWS_REGION } = result.data;
  return { dataBucket: DATA_BUCKET, s3Endpoint: S3_ENDPOINT, region: AWS_REGION };
}

let cached: Config | undefined;

/** The process's configuration, parsed from `process.env` on first use and then reused. */
export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
