import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_FEATURE_NAMES,
  btydSummary,
  type CustomerFeatures,
  computeFeatures,
  OTHER_LEVEL,
} from '../../../lib/features/compute-features';
import {
  expandInputPaths,
  ingestStream,
  loadNormalizedTransactions,
  sourceNameOf,
} from '../../../lib/ingest';
import type { TransactionTable } from '../../../lib/ingest/transaction-table';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { generateToDirectory } from '../../../scripts/generate';
import { CDNOW_MASTER } from '../../support/datasets';

const SQL = readFileSync(path.resolve(__dirname, '../../../sql/customer-features.sql'), 'utf8');
/** Features the SQL leaves to the model code: they need maximum-likelihood fits (see the SQL's header). */
const MODEL_CODE_FEATURES = [
  'bgnbd_p_alive',
  'bgnbd_expected_transactions',
  'gg_expected_order_value',
  'bgnbd_gg_expected_spend',
];
const CATEGORY_COLUMNS = ['country', 'channel'];

type SqlRow = Record<string, number | string | null>;

/** Ingest `files` into `store` as `dataset` (what the preprocess Lambda writes: normalized Parquet). */
async function ingestAll(store: FsBlobStore, dataset: string, files: string[]): Promise<void> {
  for (const file of await expandInputPaths(files)) {
    const report = await ingestStream({
      open: async () => createReadStream(file),
      dataset,
      source: sourceNameOf(file),
      out: store,
    });
    expect(report.status).toBe('ok');
  }
}

/** Run sql/customer-features.sql with DuckDB over the dataset's Parquet, rows by customer id. */
async function sqlFeatures(store: FsBlobStore, dataset: string, asOf: number): Promise<Map<string, SqlRow>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const connection = await (await DuckDBInstance.create()).connect();
  try {
    const glob = path.join(store.root, `normalized/${dataset}/*.parquet`).replace(/'/g, "''");
    await connection.run(
      `CREATE VIEW transactions AS SELECT *, epoch_ms(ts) AS ts_ms, filename AS source_file FROM read_parquet('${glob}', filename = true)`,
    );
    const rows = (await connection.runAndReadAll(SQL, [asOf])).getRowObjectsJS() as SqlRow[];
    return new Map(rows.map((row) => [String(row.customer_id), row]));
  } finally {
    connection.closeSync();
  }
}

function close(actual: number, expected: number, scale: number): boolean {
  // computeFeatures stores float32 (≈ 7 significant digits); the SQL sums in another order.
  return Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected), scale);
}

/** Every feature the SQL covers, customer by customer: the differences found (empty when equal). */
function differences(
  table: TransactionTable,
  features: CustomerFeatures,
  asOf: number,
  sql: Map<string, SqlRow>,
) {
  const found: string[] = [];
  const covered = features.names.filter((n) => n in (sql.values().next().value ?? {}));
  const summary = btydSummary(table, asOf);
  for (let r = 0; r < features.rows; r++) {
    const id = table.customerIds[features.customers[r] as number] as string;
    const row = sql.get(id);
    if (!row) {
      found.push(`${id}: not in the SQL result`);
      continue;
    }
    const value = (name: string) =>
      features.values[r * features.cols + features.names.indexOf(name)] as number;
    const scale = Math.abs(value('mean_order_value')) + Math.abs(value('total_spend'));
    const check = (name: string, expected: number) => {
      const actual = Number(row[name]);
      if (!close(actual, expected, scale))
        found.push(`${id} ${name}: sql ${actual}, computeFeatures ${expected}`);
    };
    for (const name of covered) check(name, value(name));
    check('first_day_spend', summary.firstDaySpend[r] as number);
    check('repeat_day_mean_spend', summary.repeatMean[r] as number);
    for (const column of CATEGORY_COLUMNS) {
      const levels = features.spec.categoryLevels[column];
      if (!levels) continue;
      const hot = features.names.filter((n) => n.startsWith(`cat_${column}=`) && value(n) === 1);
      const last = row[`last_${column}`];
      const expected =
        last === null ? [] : [`cat_${column}=${levels.includes(String(last)) ? last : OTHER_LEVEL}`];
      if (hot.join() !== expected.join())
        found.push(`${id} ${column}: sql last ${last}, computeFeatures one-hot ${hot.join() || 'none'}`);
    }
  }
  if (sql.size !== features.rows)
    found.push(`SQL has ${sql.size} customers, computeFeatures ${features.rows}`);
  return found;
}

describe('sql/customer-features.sql', () => {
  let store: FsBlobStore;

  beforeAll(async () => {
    store = new FsBlobStore(await mkdtemp(path.join(tmpdir(), 'valuecast-sql-test-')));
  });
  afterAll(async () => {
    await rm(store.root, { recursive: true, force: true });
  });

  it('equals computeFeatures on a generated shop, mid-history and at its end', async () => {
    // Prepare
    const csv = await mkdtemp(path.join(tmpdir(), 'valuecast-sql-shop-'));
    try {
      await generateToDirectory({ customers: 1500, out: csv, seed: 11 });
      await ingestAll(store, 'shop', [csv]);
    } finally {
      await rm(csv, { recursive: true, force: true });
    }
    const table = await loadNormalizedTransactions(store, 'shop');
    for (const asOf of [Date.UTC(2024, 2, 15), Date.UTC(2025, 0, 2)]) {
      // Act
      const features = computeFeatures(table, asOf);
      const sql = await sqlFeatures(store, 'shop', asOf);
      // Assess
      expect(features.rows).toBeGreaterThan(500);
      const columns = Object.keys(sql.values().next().value ?? {});
      const uncovered = BASE_FEATURE_NAMES.filter((n) => !columns.includes(n));
      expect(uncovered).toEqual(MODEL_CODE_FEATURES);
      expect(differences(table, features, asOf, sql)).toEqual([]);
    }
  }, 60_000);

  it('takes the latest non-missing category, ties broken by file then line, as computeFeatures does', async () => {
    // Prepare: countries and channels change, go missing, and tie at one timestamp within and across files.
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-sql-categories-'));
    try {
      const header = 'customer_id,date,amount,order_id,country,channel\n';
      await writeFile(
        path.join(dir, 'a.csv'),
        `${header}A,2024-01-01,10,o1,FR,web\nA,2024-02-01,20,o2,DE,\nA,2024-03-01,5,o3,,app\n` +
          `B,2024-01-05,7,o4,ES,web\nB,2024-01-05,8,o5,NL,store\nC,2024-02-10,9,o6,,\n`,
      );
      await writeFile(path.join(dir, 'b.csv'), `${header}B,2024-01-05,3,o7,IT,\nA,2024-02-15,-4,o2,,web\n`);
      await ingestAll(store, 'categories', [dir]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const table = await loadNormalizedTransactions(store, 'categories');
    const asOf = Date.UTC(2024, 3, 1);
    // Act
    const features = computeFeatures(table, asOf);
    const sql = await sqlFeatures(store, 'categories', asOf);
    // Assess
    const last = (id: string) => [sql.get(id)?.last_country, sql.get(id)?.last_channel];
    expect([last('A'), last('B'), last('C')]).toEqual([
      ['DE', 'app'],
      ['IT', 'store'],
      [null, null],
    ]);
    expect(differences(table, features, asOf, sql)).toEqual([]);
  });

  it('equals computeFeatures on CDNOW (no order ids: an order is a day)', async () => {
    // Prepare
    await ingestAll(store, 'cdnow', [CDNOW_MASTER]);
    const table = await loadNormalizedTransactions(store, 'cdnow');
    const asOf = Date.UTC(1998, 0, 1);
    // Act
    const features = computeFeatures(table, asOf);
    const sql = await sqlFeatures(store, 'cdnow', asOf);
    // Assess
    expect(features.rows).toBe(23_570);
    expect(differences(table, features, asOf, sql)).toEqual([]);
  }, 60_000);
});
