import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expandInputPaths,
  ingestStream,
  loadNormalizedTransactions,
  loadTransactionsFromFiles,
  sourceNameOf,
} from '../../../lib/ingest';
import type { TransactionTable } from '../../../lib/ingest/transaction-table';
import type { BlobStore } from '../../../lib/store/blob-store';
import { generateToDirectory } from '../../../scripts/generate';
import { fixture, tempStore } from './helpers';

/** The store without localPath: every object is read as a remote store's would be (S3). */
function remote(store: BlobStore): BlobStore {
  return {
    head: (key) => store.head(key),
    get: (key) => store.get(key),
    open: (key) => store.open(key),
    put: (key, body, options) => store.put(key, body, options),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
  };
}

function plain(table: TransactionTable) {
  return {
    ...table,
    customer: Array.from(table.customer),
    time: Array.from(table.time),
    amount: Array.from(table.amount),
    order: Array.from(table.order),
    categories: Object.fromEntries(
      Object.entries(table.categories).map(([name, c]) => [
        name,
        { values: c.values, codes: Array.from(c.codes) },
      ]),
    ),
  };
}

describe('loadNormalizedTransactions', () => {
  it('reads through DuckDB the table the files make row by row, from a local or a remote store', async () => {
    // Prepare: a generated shop of several monthly files, ingested as the preprocess Lambda would.
    const csv = await mkdtemp(path.join(tmpdir(), 'valuecast-load-normalized-'));
    const store = await tempStore();
    try {
      await generateToDirectory({ customers: 300, out: csv, seed: 5 });
      const files = await expandInputPaths([csv]);
      for (const file of files)
        await ingestStream({
          open: async () => createReadStream(file),
          dataset: 'shop',
          source: sourceNameOf(file),
          out: store,
        });
      await ingestStream({
        open: async () => createReadStream(fixture('customer-table.csv')),
        dataset: 'shop',
        source: 'crm',
        out: store,
      });

      // Act
      const local = await loadNormalizedTransactions(store, 'shop');
      const downloaded = await loadNormalizedTransactions(remote(store), 'shop');
      const rowByRow = (await loadTransactionsFromFiles(files)).table;

      // Assess: the customer table's Parquet is skipped; rows, codes and dictionaries are the builder's.
      expect(files.length).toBeGreaterThan(3);
      expect(local.length).toBe(rowByRow.length);
      expect(plain(local)).toEqual(plain(rowByRow));
      expect(plain(downloaded)).toEqual(plain(local));
    } finally {
      await rm(csv, { recursive: true, force: true });
      await rm(store.root, { recursive: true, force: true });
    }
  }, 60_000);

  it('gives an empty table for a dataset without transactions', async () => {
    const store = await tempStore();
    const table = await loadNormalizedTransactions(store, 'nothing');
    expect(table.length).toBe(0);
    expect(table.customerIds).toEqual([]);
  });
});
