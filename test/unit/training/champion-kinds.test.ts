import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChampion } from '../../../lib/registry/champion';
import { isCustomerTableMeta, readMeta, type TransactionModelMeta } from '../../../lib/registry/model-meta';
import { getJson, putJson } from '../../../lib/store/blob-store';
import { championKey, metaKey } from '../../../lib/store/bucket-layout';
import { FsBlobStore } from '../../../lib/store/fs-store';
import {
  type TrainCustomerTableResult,
  trainCustomerTable,
} from '../../../lib/training/train-customer-table';
import { type TrainDatasetResult, trainDataset } from '../../../lib/training/train-dataset';
import { generatedTable } from '../customer-table/generated-table';
import { shopTable } from './shop-table';

const FAST_FIT = { epochs: 2, members: 1 };

/** One dataset whose data changed kind: a customer table first, then transactions, then a table again. */
describe('champion/challenger across input kinds', () => {
  let root: string;
  let store: FsBlobStore;
  let tableChampion: TrainCustomerTableResult;
  let transactions: TrainDatasetResult;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'valuecast-champion-kinds-'));
    store = new FsBlobStore(root);
    const { dir, table } = await generatedTable(300, 5);
    await rm(dir, { recursive: true, force: true });
    tableChampion = await trainCustomerTable({
      store,
      dataset: 'shop',
      table,
      dataFingerprint: 'sha256:table',
      fit: FAST_FIT,
    });
    transactions = await trainDataset({
      store,
      dataset: 'shop',
      table: shopTable(300),
      dataFingerprint: 'sha256:transactions',
      fit: FAST_FIT,
    });
  }, 120_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a transaction training judges a customer-table champion by its recorded metrics, and says why', () => {
    // Assess
    const note =
      'it was trained on a customer table (label Future_Value), not on transactions: its metrics are from a random holdout of that table';
    expect(transactions.meta.evaluation?.champion).toEqual({
      version: tableChampion.version,
      basis: 'recorded',
      metrics: { gini: tableChampion.metrics?.gini, decileMape: tableChampion.metrics?.decileMape },
      note,
    });
    expect(transactions.reason).toContain(`(against the champion's recorded metrics: ${note})`);
    expect(transactions.meta.promotion.previousChampion).toBe(tableChampion.version);
  });

  it('a customer-table training against a transaction champion (meta.json from before inputKind) says it was trained on transactions', async () => {
    // Prepare: the transaction model holds the pointer, its meta.json as written before `inputKind` existed.
    const { inputKind, ...legacy } = (await readMeta(
      store,
      'shop',
      transactions.version,
    )) as TransactionModelMeta;
    expect(inputKind).toBe('transactions');
    await putJson(store, metaKey('shop', transactions.version), legacy);
    const current = await readChampion(store, 'shop');
    await putJson(
      store,
      championKey('shop'),
      {
        version: transactions.version,
        promotedAt: '2026-01-01T00:00:00.000Z',
        gini: transactions.metrics?.gini,
        decileMape: transactions.metrics?.decileMape,
      },
      { ifMatch: current?.etag ?? null },
    );
    const { dir, table } = await generatedTable(300, 6);
    await rm(dir, { recursive: true, force: true });

    // Act
    const result = await trainCustomerTable({
      store,
      dataset: 'shop',
      table,
      dataFingerprint: 'sha256:table-again',
      fit: FAST_FIT,
    });

    // Assess
    const read = await getJson<TransactionModelMeta>(store, metaKey('shop', transactions.version));
    expect(read && isCustomerTableMeta(read)).toBe(false);
    const note =
      'it was trained on transactions, not on a customer table: its metrics are from its out-of-time window';
    expect(result.meta.evaluation?.champion).toMatchObject({
      version: transactions.version,
      basis: 'recorded',
      note,
    });
    expect(result.reason).toContain(`(against the champion's recorded metrics: ${note})`);
  });
});
