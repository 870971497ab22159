import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ColumnMapping, IngestReport } from '../../../lib/ingest';
import { ingestStream } from '../../../lib/ingest';
import { FsBlobStore } from '../../../lib/store/fs-store';

export const fixtures = path.resolve(__dirname, '../../fixtures/ingest');

export function fixture(name: string): string {
  return path.join(fixtures, name);
}

export async function tempStore(): Promise<FsBlobStore> {
  return new FsBlobStore(await mkdtemp(path.join(tmpdir(), 'valuecast-ingest-test-')));
}

/** Ingest a fixture file (or raw bytes) into a fresh temporary store. */
export async function ingestFixture(
  input: string | Uint8Array,
  options: { mapping?: ColumnMapping; source?: string; out?: FsBlobStore } = {},
): Promise<{ report: IngestReport; out: FsBlobStore }> {
  const out = options.out ?? (await tempStore());
  const report = await ingestStream({
    open: async () =>
      typeof input === 'string' ? createReadStream(fixture(input)) : Readable.from([Buffer.from(input)]),
    dataset: 'shop',
    source: options.source ?? (typeof input === 'string' ? input.replace(/\..*$/, '') : 'bytes'),
    out,
    mapping: options.mapping,
  });
  return { report, out };
}

/** Read a Parquet object of the store with DuckDB: rows as objects, and column types. */
export async function duckdbRead(
  out: FsBlobStore,
  key: string,
  sql = 'select * from t order by source_line',
): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string> }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const connection = await (await DuckDBInstance.create()).connect();
  const file = path.join(out.root, key).replace(/'/g, "''");
  await connection.run(`create view t as select * from read_parquet('${file}')`);
  const described = (await connection.runAndReadAll('describe t')).getRowObjects();
  const types = Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  connection.closeSync();
  return { rows, types };
}
