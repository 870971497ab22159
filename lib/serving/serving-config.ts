import * as z from 'zod';
import { ConfigError } from '../config';

/** Limits and access of the prediction API, from the environment. */
export interface ServingConfig {
  /** Customers per `POST /predict` (`MAX_BATCH`, default 100). */
  maxCustomers: number;
  /** Transactions per posted customer (`MAX_TRANSACTIONS_PER_CUSTOMER`, default 10000). */
  maxTransactionsPerCustomer: number;
  /** Request body bytes (`MAX_BODY_BYTES`, default 1 MB). */
  maxBodyBytes: number;
  /** Seconds between checks of the champion pointer (`MODEL_REFRESH_SECONDS`, default 30). */
  refreshSeconds: number;
  /** When set (`API_KEY`), every request must carry it in the `x-api-key` header. */
  apiKey?: string;
  /**
   * Name of an SSM SecureString holding the API key instead (`API_KEY_SSM_PARAMETER`, a path such as
   * `/valuecast/prod/api-key`); read once per execution environment (see api-key.ts).
   */
  apiKeySsmParameter?: string;
}

/** What an API key must be, wherever it comes from. */
export const apiKeyText = z.string().min(16, 'must be at least 16 characters');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  MAX_BATCH: positiveInt(100),
  MAX_TRANSACTIONS_PER_CUSTOMER: positiveInt(10_000),
  MAX_BODY_BYTES: positiveInt(1_048_576),
  MODEL_REFRESH_SECONDS: z.coerce.number().nonnegative().default(30),
  API_KEY: apiKeyText.optional(),
  API_KEY_SSM_PARAMETER: z
    .string()
    .regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'is not an SSM parameter path (/a/b, letters, digits, _ . -)')
    .optional(),
});

/** Validate the serving environment; throws ConfigError naming the variable at fault. */
export function parseServingConfig(env: NodeJS.ProcessEnv): ServingConfig {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(blankAsUnset);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'unknown'), issue?.message ?? 'is invalid');
  }
  const env_ = result.data;
  if (env_.API_KEY !== undefined && env_.API_KEY_SSM_PARAMETER !== undefined)
    throw new ConfigError('API_KEY_SSM_PARAMETER', 'is set together with API_KEY: set one of them');
  return {
    maxCustomers: env_.MAX_BATCH,
    maxTransactionsPerCustomer: env_.MAX_TRANSACTIONS_PER_CUSTOMER,
    maxBodyBytes: env_.MAX_BODY_BYTES,
    refreshSeconds: env_.MODEL_REFRESH_SECONDS,
    apiKey: env_.API_KEY,
    apiKeySsmParameter: env_.API_KEY_SSM_PARAMETER,
  };
}
