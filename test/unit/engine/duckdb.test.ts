import { describe, expect, it } from 'vitest';
import { EngineSettingsError, engineSettings, withDuckDb } from '../../../lib/engine/duckdb';

describe('engineSettings', () => {
  it('follows the Lambda memory unless DUCKDB_MEMORY_LIMIT says otherwise', () => {
    // Act
    const lambda = engineSettings({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
    const explicit = engineSettings({
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048',
      DUCKDB_MEMORY_LIMIT: '300MB',
    });
    const laptop = engineSettings({});

    // Assess
    expect(lambda.memoryLimit).toBe('1228MB');
    expect(explicit.memoryLimit).toBe('300MB');
    expect(laptop).toMatchObject({ threads: 1, memoryLimit: '1GB' });
  });

  it('names the variable that cannot be used', () => {
    expect(() => engineSettings({ DUCKDB_THREADS: 'two' })).toThrow(EngineSettingsError);
    expect(() => engineSettings({ DUCKDB_THREADS: 'two' })).toThrow(/DUCKDB_THREADS="two"/);
    expect(() => engineSettings({ DUCKDB_MEMORY_LIMIT: 'lots' })).toThrow(/DUCKDB_MEMORY_LIMIT/);
  });
});

describe('withDuckDb', () => {
  it('runs with the settings it was given, and closes the database even when the work fails', async () => {
    // Act
    const settings = await withDuckDb(
      async (connection) =>
        (
          await connection.runAndReadAll(
            "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory",
          )
        ).getRowObjects()[0],
      { threads: 1, memoryLimit: '256MB', tempDirectory: '/tmp/valuecast-duckdb-test' },
    );
    const failing = withDuckDb(async (connection) => {
      await connection.run('SELECT * FROM no_such_table');
    });

    // Assess
    expect(Number(settings?.threads)).toBe(1);
    expect(String(settings?.memory)).toMatch(/^2\d\d(\.\d+)? MiB$/);
    await expect(failing).rejects.toThrow(/no_such_table/);
  });
});
