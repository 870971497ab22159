import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { type EngineSettings, engineSettings, type OpenDuckDb, openDuckDb } from '../engine/duckdb';
import type { BlobStore } from '../store/blob-store';
import { isRowHashesKey } from '../store/bucket-layout';
import { type IngestLimits, ingestLimits } from './ingest-limits';
import { createIngestMacros, sqlPath } from './ingest-sql';

/**
 * One DuckDB for a run of ingests (the CLI's files, one Lambda invocation), with ingestion's macros, its
 * limits, and the row hashes of the dataset's sources it has seen: a later file of the run downloads only
 * the hash lists that are new or changed (by etag), and compares its rows with all of them in SQL.
 */
export class IngestSession {
  /** Hash lists loaded into `known_row_hashes`, by key: the etag they were loaded at. */
  private readonly loaded = new Map<string, string>();

  private constructor(
    private readonly db: OpenDuckDb,
    /** A directory of the session's own, removed when it closes. */
    readonly tempDir: string,
    private readonly fixedLimits: IngestLimits | undefined,
    /** `@duckdb/node-api`'s value constructors (the module loads with the first DuckDB). */
    readonly listOf: (items: readonly string[]) => DuckDBValue,
    private readonly bigintType: DuckDBType,
  ) {}

  /** Parameter types for `values`: BIGINT for every bigint (the default would be HUGEINT). */
  typesOf(values: Record<string, DuckDBValue>): Record<string, DuckDBType> {
    const types: Record<string, DuckDBType> = {};
    for (const [name, value] of Object.entries(values))
      if (typeof value === 'bigint') types[name] = this.bigintType;
    return types;
  }

  /** Run a statement with named parameters, bigints bound as BIGINT. */
  run(sql: string, values: Record<string, DuckDBValue> = {}) {
    return this.db.connection.run(sql, values, this.typesOf(values));
  }

  /** Run a query with named parameters, bigints bound as BIGINT, and read all of its rows. */
  read(sql: string, values: Record<string, DuckDBValue> = {}) {
    return this.db.connection.runAndReadAll(sql, values, this.typesOf(values));
  }

  /**
   * @param limits fixed limits; default: read from the environment at each ingest
   * @throws IngestLimitError or EngineSettingsError for an unusable INGEST_* or DUCKDB_* variable
   */
  static async open(
    settings: EngineSettings = engineSettings(),
    limits?: IngestLimits,
  ): Promise<IngestSession> {
    const db = await openDuckDb(settings);
    const tempDir = await mkdtemp(path.join(tmpdir(), 'valuecast-ingest-session-'));
    try {
      await createIngestMacros(db.connection);
      await db.connection.run('CREATE TEMP TABLE known_row_hashes (source_key VARCHAR, row_hash UBIGINT)');
      const { listValue, BIGINT } = await import('@duckdb/node-api');
      return new IngestSession(db, tempDir, limits, (items) => listValue([...items]), BIGINT);
    } catch (e: unknown) {
      db.close();
      await rm(tempDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** The limits of the next ingest: as opened with, else read from the environment now (ingestLimits). */
  get limits(): IngestLimits {
    return this.fixedLimits ?? ingestLimits();
  }

  get connection(): DuckDBConnection {
    return this.db.connection;
  }

  async close(): Promise<void> {
    this.db.close();
    await rm(this.tempDir, { recursive: true, force: true });
  }

  /** Remove the temporary directory when the process exits (the shared session is never closed). */
  removeOnExit(): void {
    process.once('exit', () => rmSync(this.tempDir, { recursive: true, force: true }));
  }

  /**
   * Bring `known_row_hashes` up to date with the `.rowhashes` lists under `prefix` in `store`: lists that
   * are new or changed are downloaded (into `temp`) and loaded, lists that are gone are dropped. A list
   * that is not a Parquet file (written by an older valuecast) counts as absent until re-ingested.
   */
  async syncKnownHashes(store: BlobStore, prefix: string, temp: string): Promise<void> {
    const present = new Set<string>();
    for await (const info of store.list(prefix)) {
      if (!isRowHashesKey(info.key)) continue;
      present.add(info.key);
      if (this.loaded.get(info.key) === info.etag) continue;
      const bytes = await store.get(info.key);
      await this.forget(info.key);
      if (!bytes) continue;
      const file = path.join(temp, `known-${this.loaded.size}-${present.size}.parquet`);
      await writeFile(file, bytes);
      try {
        await this.connection.run(
          `INSERT INTO known_row_hashes SELECT $key, row_hash FROM read_parquet(${sqlPath(file)})`,
          { key: info.key },
        );
        this.loaded.set(info.key, info.etag);
      } catch {
        // Not a hash list DuckDB can read: as if absent (a re-ingest of that source rewrites it).
      }
    }
    for (const key of [...this.loaded.keys()]) if (!present.has(key)) await this.forget(key);
  }

  /**
   * Record the hash lists of the last batch's sources this session just wrote (`etags`: key → etag of the
   * written list), from `batch_row_hashes`, so the next ingest need not download them.
   */
  async rememberBatch(etags: ReadonlyMap<string, string>): Promise<void> {
    if (etags.size === 0) return;
    // A cache, not a need: lists of big sources are downloaded again when next needed rather than held.
    const held = await this.read('SELECT count(*) FROM batch_row_hashes');
    if (Number(held.getRowsJS()[0]?.[0] ?? 0) > REMEMBERED_HASHES) return;
    const keys = this.listOf([...etags.keys()]);
    await this.run('DELETE FROM known_row_hashes WHERE list_contains($keys, source_key)', { keys });
    await this.run(
      `INSERT INTO known_row_hashes
       SELECT b.source_key, h.row_hash FROM batch_row_hashes AS h JOIN batch_files AS b USING (file_rank)
       WHERE list_contains($keys, b.source_key)`,
      { keys },
    );
    for (const [key, etag] of etags) this.loaded.set(key, etag);
  }

  private async forget(key: string): Promise<void> {
    if (!this.loaded.delete(key)) return;
    await this.connection.run('DELETE FROM known_row_hashes WHERE source_key = $key', { key });
  }
}

/** Row hashes of one batch kept for the next ingest at most (8 bytes each, plus DuckDB's overhead). */
const REMEMBERED_HASHES = 2_000_000;

let shared: Promise<IngestSession> | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Run `work` in `session`, or else in the process's shared session, one work at a time: a warm Lambda
 * keeps its DuckDB, macros and known row hashes from one invocation to the next (opening them costs about
 * 0.2 s), and calls in the same process never share its tables at the same time. A shared session that
 * fails to open is opened again by the next call.
 */
export async function withIngestSession<T>(
  work: (session: IngestSession) => Promise<T>,
  session?: IngestSession,
): Promise<T> {
  if (session) return work(session);
  const run = queue.then(async () => {
    shared ??= IngestSession.open().then(
      (opened) => {
        opened.removeOnExit();
        return opened;
      },
      (e: unknown) => {
        shared = undefined;
        throw e;
      },
    );
    return work(await shared);
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Close the shared session (tests; a process that exits needs not). */
export async function closeSharedIngestSession(): Promise<void> {
  const open = shared;
  shared = undefined;
  await queue;
  if (open) await (await open).close();
}
