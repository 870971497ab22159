import { createHash, timingSafeEqual } from 'node:crypto';
import { GetParameterCommand, type GetParameterCommandOutput } from '@aws-sdk/client-ssm';
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

/** The part of an SSM client the key lookup uses (the real `SSMClient`, or a fake in tests). */
export interface SsmGetParameter {
  send(command: GetParameterCommand): Promise<GetParameterCommandOutput>;
}

/** The SSM parameter named as the API key's source has no usable value. */
export class ApiKeyParameterError extends Error {
  constructor(parameter: string, problem: string) {
    super(`SSM parameter ${parameter} (API_KEY_SSM_PARAMETER) ${problem}`);
    this.name = 'ApiKeyParameterError';
  }
}

/**
 * The key every request must present, or `undefined` when access is open: `API_KEY` as configured, or
 * the decrypted value of the SecureString named by `API_KEY_SSM_PARAMETER`, fetched with one
 * GetParameter call. The caller keeps the result for the life of the execution environment, so the key
 * is read once per cold start; rotating it takes effect as environments are replaced.
 * @param ssm called only when a parameter is configured, so open or env-keyed setups build no client
 * @throws ApiKeyParameterError when the parameter has no value or one shorter than 16 characters
 */
export async function resolveApiKey(
  config: ServingConfig,
  ssm: () => SsmGetParameter,
): Promise<string | undefined> {
  const name = config.apiKeySsmParameter;
  if (name === undefined) return config.apiKey;
  const output = await ssm().send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = output.Parameter?.Value;
  if (value === undefined) throw new ApiKeyParameterError(name, 'has no value');
  const checked = apiKeyText.safeParse(value);
  if (!checked.success)
    throw new ApiKeyParameterError(name, checked.error.issues[0]?.message ?? 'is invalid');
  return checked.data;
}
