import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlQuery } from '../engine/sql-file';

/** The macros, in the order they must be created (each uses only the ones before it). */
const MACROS = [
  'trim-text',
  'whole-number-id',
  'customer-id',
  'without-currency',
  'credit-sign',
  'plain-number',
  'parse-number',
  'line-amount',
  'days-in-month',
  'march-based-days',
  'days-from-civil',
  'century',
  'utc-epoch-ms',
  'zone-offset-ms',
  'date-parts',
  'time-parts',
  'date-epoch-ms',
  'epoch-text-ms',
  'parse-epoch-ms',
  'quoted-cell',
  'csv-cell',
  'record-state',
  'record-fields',
  'raw-lines',
  'file-records',
] as const;

export type IngestQuery =
  | 'transaction-rows'
  | 'customer-table-rows'
  | 'normalized-transactions'
  | 'ingest-summary'
  | 'quarantine-lines'
  | 'distinct-row-hashes'
  | 'rows-held-elsewhere'
  | 'rows-held-by-other-files'
  | 'transactions-once-across-sources';

/** The text of `sql/ingest/<name>.sql` (one macro or query a file), read once. */
export function ingestSql(name: IngestQuery | (typeof MACROS)[number]): string {
  return sqlQuery(`ingest/${name}`);
}

/** Create ingestion's macros on a connection (temporary: they live as long as it). */
export async function createIngestMacros(connection: DuckDBConnection): Promise<void> {
  // file_records reads the view record_lines, which each ingest defines over its files: a macro binds its
  // tables when created, so an empty one of the same columns stands in until then.
  await connection.run(
    `CREATE OR REPLACE TEMP VIEW record_lines AS SELECT NULL::BIGINT AS file_rank, NULL::BIGINT AS line,
       NULL::VARCHAR AS text, NULL::VARCHAR AS forced_state, NULL::BIGINT AS header_line WHERE false`,
  );
  for (const name of MACROS) await connection.run(ingestSql(name));
}

/**
 * A local path as an SQL string literal, for the statements DuckDB takes no parameter in (COPY … TO, a
 * view's read_csv): only absolute paths of this machine's own files, without control characters.
 */
export function sqlPath(file: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!path.isAbsolute(file) || /[\u0000-\u001f]/.test(file))
    throw new Error(`not a path DuckDB may be given: ${JSON.stringify(file)}`);
  return `'${file.replace(/'/g, "''")}'`;
}

/** A column name as an SQL identifier (quoted; any text is allowed, quotes doubled). */
export function sqlIdentifier(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (name === '' || /\u0000/.test(name)) throw new Error(`not a column name: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}
