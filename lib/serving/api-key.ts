import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeyText, type ServingConfig } from './serving-config';

/**
 * Whether `presented` equals `expected`, in time independent of where they differ. Both are hashed
 * first so the buffers compared have equal length whatever was presented (timingSafeEqual needs that),
 * and the length of the key does not leak either.
 */
export function apiKeyMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Reads the decrypted value of a SecureString parameter; `undefined` when it has none (ssm-parameter.ts). */
export type SecureParameterReader = (name: string) => Promise<string | undefined>;

/** The SSM parameter named as the API key's source has no usable value. */
export class ApiKeyParameterError extends Error {
  constructor(parameter: string, problem: string) {
    super(`SSM parameter ${parameter} (API_KEY_SSM_PARAMETER) ${problem}`);
    this.name = 'ApiKeyParameterError';
  }
}

/**
 * The key every request must present, or `undefined` when access is open: `API_KEY` as configured, or
 * the decrypted value of the SecureString named by `API_KEY_SSM_PARAMETER`, fetched with one read. The caller keeps the result for the life of the execution environment, so the key
 * is read once per cold start; rotating it takes effect as environments are replaced.
 * @param parameterReader called only when a parameter is configured, so open or env-keyed setups never
 * load the SSM client (its import alone is a noticeable part of a cold start)
 * @throws ApiKeyParameterError when the parameter has no value or one shorter than 16 characters
 */
export async function resolveApiKey(
  config: ServingConfig,
  parameterReader: () => Promise<SecureParameterReader>,
): Promise<string | undefined> {
  const name = config.apiKeySsmParameter;
  if (name === undefined) return config.apiKey;
  const value = await (await parameterReader())(name);
  if (value === undefined) throw new ApiKeyParameterError(name, 'has no value');
  const checked = apiKeyText.safeParse(value);
  if (!checked.success)
    throw new ApiKeyParameterError(name, checked.error.issues[0]?.message ?? 'is invalid');
  return checked.data;
}
