import { BIGINT, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { readColumns, readStrings } from '../engine/columns';
import { withDuckDb } from '../engine/duckdb';
import { sqlQuery } from '../engine/sql-file';
import type { BlobStore } from '../store/blob-store';
import { normalizedPrefix, parseNormalizedKey } from '../store/bucket-layout';
import { withLocalFiles } from '../store/local-files';
import type { TransactionTable } from './transaction-table';

/** The types of sql/load/transaction-files.sql's two parameters: the paths, twice. */
const PATHS_TWICE = [LIST(VARCHAR), LIST(VARCHAR)];

/**
 * Read every transaction Parquet file under `normalized/<dataset>/` into one table, with DuckDB: the rows
 * in the order the store lists the files, then their order in each file, a row an earlier file already
 * holds taken once (overlapping exports: sql/load/rows-once-across-files.sql); ids and categories coded in
 * the order they first appear (sql/load/). Customer-table files (no `ts`/`amount` columns) are skipped.
 */
export async function loadNormalizedTransactions(
  store: BlobStore,
  dataset: string,
): Promise<TransactionTable> {
  const keys: string[] = [];
  for await (const info of store.list(normalizedPrefix(dataset)))
    if (parseNormalizedKey(info.key)) keys.push(info.key);
  return withLocalFiles(store, keys, (files) =>
    withDuckDb((connection) => readTransactionFiles(connection, files)),
  );
}

async function readTransactionFiles(
  connection: Parameters<Parameters<typeof withDuckDb>[0]>[0],
  files: readonly string[],
): Promise<TransactionTable> {
  if (files.length === 0) return emptyTable();
  await connection.run(sqlQuery('load/normalized-rows-table'));
  const paths = listValue([...files]);
  const held = new Map(
    (await connection.runAndReadAll(sqlQuery('load/transaction-files'), [paths, paths], PATHS_TWICE))
      .getRowsJS()
      .map(([file, rows]) => [String(file), Number(rows)]),
  );
  const transactionFiles = files.filter((file) => held.has(file));
  let rows = 0;
  const offsets = transactionFiles.map((file) => {
    const offset = rows;
    rows += held.get(file) as number;
    return offset;
  });
  if (rows === 0) return emptyTable();
  const listed = listValue(transactionFiles);
  await connection.run(
    sqlQuery('load/normalized-rows'),
    [listed, listValue(offsets.map((o) => BigInt(o))), listed],
    [LIST(VARCHAR), LIST(BIGINT), LIST(VARCHAR)],
  );
  if (transactionFiles.length > 1) rows = await withoutRowsOfEarlierFiles(connection, rows);
  await connection.run(sqlQuery('load/value-codes'));
  const coded = await readColumns(connection, sqlQuery('load/coded-rows'), [], {
    seq: { type: 'integer' },
    customer: { type: 'integer' },
    ts_ms: { type: 'double' },
    amount: { type: 'double' },
    order_code: { type: 'integer' },
    country_code: { type: 'integer' },
    channel_code: { type: 'integer' },
  });
  // The join returns the rows in no particular order: each goes to its place, its seq.
  const { seq } = coded.columns;
  const inOrder = <T extends Int32Array | Float64Array>(values: T): T => {
    const out = new (values.constructor as new (n: number) => T)(rows);
    for (let i = 0; i < rows; i++) out[seq[i] as number] = values[i] as number;
    return out;
  };
  const dictionary = async (kind: string) =>
    (await readStrings(connection, sqlQuery('load/value-dictionary'), [kind])) as string[];
  return {
    length: rows,
    customerIds: await dictionary('customer'),
    customer: inOrder(coded.columns.customer),
    time: inOrder(coded.columns.ts_ms),
    amount: inOrder(coded.columns.amount),
    orderIds: await dictionary('order'),
    order: inOrder(coded.columns.order_code),
    categories: {
      country: { values: await dictionary('country'), codes: inOrder(coded.columns.country_code) },
      channel: { values: await dictionary('channel'), codes: inOrder(coded.columns.channel_code) },
    },
  };
}

/**
 * Drop the rows an earlier file already holds (sql/load/rows-once-across-files.sql) and number the rest
 * again; the rows that remain.
 */
async function withoutRowsOfEarlierFiles(
  connection: Parameters<Parameters<typeof withDuckDb>[0]>[0],
  rows: number,
): Promise<number> {
  await connection.run(sqlQuery('load/rows-once-across-files'));
  const count = await connection.runAndReadAll('SELECT count(*) FROM normalized_rows');
  const remaining = Number(count.getRowsJS()[0]?.[0]);
  if (remaining !== rows) await connection.run(sqlQuery('load/renumbered-rows'));
  return remaining;
}

function emptyTable(): TransactionTable {
  return {
    length: 0,
    customerIds: [],
    customer: new Int32Array(0),
    time: new Float64Array(0),
    amount: new Float64Array(0),
    orderIds: [],
    order: new Int32Array(0),
    categories: {},
  };
}
