import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config';

describe('parseConfig', () => {
  it('reads the bucket and the optional endpoint', () => {
    // Act
    const config = parseConfig({ DATA_BUCKET: 'valuecast-local-data', S3_ENDPOINT: 'http://127.0.0.1:4569' });

    // Assess
    expect(config).toEqual({ dataBucket: 'valuecast-local-data', s3Endpoint: 'http://127.0.0.1:4569' });
  });

  it('treats an empty S3_ENDPOINT as unset (the AWS stages set it to "")', () => {
    expect(parseConfig({ DATA_BUCKET: 'b-1', S3_ENDPOINT: '' }).s3Endpoint).toBeUndefined();
  });

  it.each([
    [{}, 'environment variable DATA_BUCKET is required'],
    [{ DATA_BUCKET: 'Not_A_Bucket' }, 'environment variable DATA_BUCKET is not a valid S3 bucket name'],
    [
      { DATA_BUCKET: 'b-1', S3_ENDPOINT: 'localhost:4569' },
      'environment variable S3_ENDPOINT is not an http(s) URL',
    ],
  ])('fails fast naming the variable at fault for %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
