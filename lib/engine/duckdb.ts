import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The one place valuecast opens DuckDB, the data engine of its batch paths (ingest, features, training's
 * data load). Every DuckDB it opens is in-memory and bounded by the settings below, read from the
 * environment once per call so a Lambda's memory and /tmp decide them:
 * - `DUCKDB_THREADS`: worker threads; default 1 (a Lambda under 1,769 MB has one vCPU, and the CLI should
 *   not take every core of a laptop unasked).
 * - `DUCKDB_MEMORY_LIMIT`: DuckDB's own memory limit (`512MB`, `2GB`, …); default 60% of the Lambda's memory
 *   (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`), else 1GB. Past it DuckDB spills to the temp directory.
 * - `DUCKDB_TEMP_DIRECTORY`: where it spills; default `<os tmpdir>/valuecast-duckdb` (/tmp on Lambda).
 */
export interface EngineSettings {
  threads: number;
  memoryLimit: string;
  tempDirectory: string;
}

/** A DUCKDB_* variable that cannot be used, named with what it must be. */
export class EngineSettingsError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`environment variable ${variable}="${value}" ${expected}`);
    this.name = 'EngineSettingsError';
  }
}

const MEMORY = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const LAMBDA_MEMORY_SHARE = 0.6;

/**
 * The settings of an environment (`process.env` by default).
 * @throws EngineSettingsError naming a variable that is set but unusable
 */
export function engineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const threadsText = env.DUCKDB_THREADS || '1';
  const threads = Number(threadsText);
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new EngineSettingsError('DUCKDB_THREADS', threadsText, 'must be a whole number ≥ 1');
  const lambdaMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const memoryLimit =
    env.DUCKDB_MEMORY_LIMIT || (lambdaMb > 0 ? `${Math.floor(lambdaMb * LAMBDA_MEMORY_SHARE)}MB` : '1GB');
  if (!MEMORY.test(memoryLimit))
    throw new EngineSettingsError('DUCKDB_MEMORY_LIMIT', memoryLimit, 'must be a size such as 512MB or 2GB');
  const tempDirectory = env.DUCKDB_TEMP_DIRECTORY || path.join(tmpdir(), 'valuecast-duckdb');
  return { threads, memoryLimit, tempDirectory };
}

/** A connection to an in-memory DuckDB of its own, open until {@link OpenDuckDb.close}. */
export interface OpenDuckDb {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Open a fresh in-memory DuckDB with {@link engineSettings}, for work spanning several calls (the CLI
 * ingesting a folder); close it when done. `@duckdb/node-api` and its native binding load on the first
 * call, not at import: a Lambda that never opens DuckDB (predict) never loads them, and the ones that do
 * load them on first use rather than in their cold start's init.
 */
export async function openDuckDb(settings: EngineSettings = engineSettings()): Promise<OpenDuckDb> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(settings.threads),
    memory_limit: settings.memoryLimit,
    temp_directory: settings.tempDirectory,
  });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Run `work` on a connection to a fresh in-memory DuckDB with {@link engineSettings}, and close it after,
 * whatever happens: nothing outlives the call but the files `work` wrote.
 */
export async function withDuckDb<T>(
  work: (connection: DuckDBConnection) => Promise<T>,
  settings: EngineSettings = engineSettings(),
): Promise<T> {
  const db = await openDuckDb(settings);
  try {
    return await work(db.connection);
  } finally {
    db.close();
  }
}
