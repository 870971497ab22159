import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACKAGE_TIMEOUT_SECONDS,
  PackagingError,
  packageTimeoutMs,
  serverlessError,
} from '../../../scripts/package';

describe('packageTimeoutMs', () => {
  it('takes PACKAGE_TIMEOUT_SECONDS when set, else the default', () => {
    expect(packageTimeoutMs({ PACKAGE_TIMEOUT_SECONDS: '90' })).toBe(90_000);
    expect(packageTimeoutMs({ PACKAGE_TIMEOUT_SECONDS: '' })).toBe(DEFAULT_PACKAGE_TIMEOUT_SECONDS * 1000);
    expect(packageTimeoutMs({})).toBe(DEFAULT_PACKAGE_TIMEOUT_SECONDS * 1000);
  });

  it('names the variable when it is not a positive number', () => {
    for (const value of ['0', '-5', 'ten', 'Infinity'])
      expect(() => packageTimeoutMs({ PACKAGE_TIMEOUT_SECONDS: value })).toThrow(
        new PackagingError(
          'environment variable PACKAGE_TIMEOUT_SECONDS is not a positive number of seconds',
        ),
      );
  });
});

describe('serverlessError', () => {
  it("puts serverless's error message on one line, without the stack", () => {
    // Prepare: the stdout of `serverless package` when esbuild cannot bundle a handler.
    const stdout = [
      'Error:',
      'Error: Build failed with 1 error:',
      'functions/predict.ts:96:22: ERROR: Unexpected ";"',
      '    at failureErrorWithLog (/work/main/node_modules/esbuild/lib/main.js:1752:15)',
      '    at /work/main/node_modules/esbuild/lib/main.js:1211:25',
      '',
    ].join('\n');

    // Act
    const message = serverlessError(stdout);

    // Assess
    expect(message).toBe(
      'Error: Build failed with 1 error: functions/predict.ts:96:22: ERROR: Unexpected ";"',
    );
  });

  it('finds nothing in output without an error report', () => {
    expect(serverlessError('')).toBeUndefined();
    expect(serverlessError('Packaging valuecast for stage dev\n')).toBeUndefined();
  });
});
