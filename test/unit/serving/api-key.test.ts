import type { GetParameterCommand, GetParameterCommandOutput } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ApiKeyParameterError, apiKeyMatches, resolveApiKey } from '../../../lib/serving/api-key';
import { parseServingConfig } from '../../../lib/serving/serving-config';
import { type SsmGetParameter, ssmParameterReader } from '../../../lib/serving/ssm-parameter';

/**
 * SSM cannot run here (no AWS account), so these tests give the real reader (ssm-parameter.ts) a fake
 * client that records the commands it is sent and answers like GetParameter.
 */
function fakeSsm(answer: (name: string) => GetParameterCommandOutput['Parameter']) {
  const commands: GetParameterCommand[] = [];
  const client: SsmGetParameter = {
    send: async (command) => {
      commands.push(command);
      return { $metadata: {}, Parameter: answer(command.input.Name ?? '') };
    },
  };
  return { client, commands, reader: async () => ssmParameterReader(client) };
}

const key = 'k3y-from-ssm-0123456789';

describe('resolveApiKey', () => {
  it('reads the SecureString named by API_KEY_SSM_PARAMETER with decryption', async () => {
    // Prepare
    const ssm = fakeSsm((name) => ({ Name: name, Type: 'SecureString', Value: key }));
    const config = parseServingConfig({ API_KEY_SSM_PARAMETER: '/valuecast/test/api-key' });

    // Act
    const resolved = await resolveApiKey(config, ssm.reader);

    // Assess
    expect(resolved).toBe(key);
    expect(ssm.commands.map((c) => c.input)).toEqual([
      { Name: '/valuecast/test/api-key', WithDecryption: true },
    ]);
  });

  it('uses API_KEY as configured, or no key, without building an SSM client', async () => {
    // Prepare
    const noClient = () => {
      throw new Error('no SSM client should be needed');
    };

    // Act
    const fromEnv = await resolveApiKey(parseServingConfig({ API_KEY: key }), noClient);
    const open = await resolveApiKey(parseServingConfig({}), noClient);

    // Assess
    expect([fromEnv, open]).toEqual([key, undefined]);
  });

  it.each([
    ['no value', undefined, /has no value/],
    ['a short value', { Value: 'short' }, /must be at least 16 characters/],
  ])('rejects a parameter with %s, naming it', async (_case, parameter, message) => {
    // Prepare
    const ssm = fakeSsm(() => parameter);
    const config = parseServingConfig({ API_KEY_SSM_PARAMETER: '/valuecast/test/api-key' });

    // Act
    const resolving = resolveApiKey(config, ssm.reader);

    // Assess
    await expect(resolving).rejects.toBeInstanceOf(ApiKeyParameterError);
    await expect(resolving).rejects.toThrow(message);
    await expect(resolving).rejects.toThrow(/\/valuecast\/test\/api-key/);
  });

  it.each([
    [{ API_KEY_SSM_PARAMETER: 'no-leading-slash' }, /API_KEY_SSM_PARAMETER is not an SSM parameter path/],
    [{ API_KEY: key, API_KEY_SSM_PARAMETER: '/a/b' }, /API_KEY_SSM_PARAMETER is set together with API_KEY/],
  ])('fails fast on a misconfigured key source %o', (env, message) => {
    // Act + Assess
    expect(() => parseServingConfig(env)).toThrow(message);
  });
});

describe('apiKeyMatches', () => {
  it('accepts only the exact key, whatever the length presented', () => {
    // Act + Assess
    expect(apiKeyMatches(key, key)).toBe(true);
    expect(apiKeyMatches(`${key}x`, key)).toBe(false);
    expect(apiKeyMatches(key.slice(0, -1), key)).toBe(false);
    expect(apiKeyMatches('', key)).toBe(false);
    expect(apiKeyMatches(undefined, key)).toBe(false);
  });
});
