import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTrainHandler, type TrainOne } from '../../../functions/train';
import { generateCustomerTableCsv } from '../../../lib/generate/customer-table';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { ingestUpload } from '../../../lib/ingest';
import { loadNormalizedCustomerTable, MixedInputKindsError } from '../../../lib/ingest/load-customer-table';
import { readChampion } from '../../../lib/registry/champion';
import { loadIngestReports } from '../../../lib/registry/data-quality';
import { type CustomerTableModelMeta, isCustomerTableMeta, readMeta } from '../../../lib/registry/model-meta';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { trainStoredDataset } from '../../../lib/training/train-stored-dataset';
import { generatedTable } from './generated-table';

const context = {} as Context;
const fastTrain: TrainOne = (store, dataset, options) =>
  trainStoredDataset(store, dataset, { ...options, fit: { epochs: 2, members: 1 } });

describe('the train Lambda on a customer-table dataset', () => {
  let root: string;
  let store: FsBlobStore;

  beforeAll(async () => {
    // A temp directory as the bucket: uploads go through the same ingestion as the preprocess Lambda.
    root = await mkdtemp(path.join(tmpdir(), 'valuecast-customer-table-bucket-'));
    store = new FsBlobStore(root);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await store.put('uploads/crm/customers.csv', generateCustomerTableCsv({ customers: 400, seed: 3 }));
    await ingestUpload(store, 'uploads/crm/customers.csv');
    await store.put('uploads/mixed/customers.csv', generateCustomerTableCsv({ customers: 300, seed: 4 }));
    await store.put('uploads/mixed/orders.csv', orderLogCsv({ customers: 200, seed: 5, days: 400 }));
    await ingestUpload(store, 'uploads/mixed/customers.csv');
    await ingestUpload(store, 'uploads/mixed/orders.csv');
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it('trains from the normalized Parquet, with the ingest report naming the label, and promotes', async () => {
    // Act
    const result = await createTrainHandler(() => store, fastTrain)({ dataset: 'crm' }, context);

    // Assess
    const [trained] = result.trained;
    expect(trained).toMatchObject({ dataset: 'crm', promoted: true, reason: 'no champion yet' });
    expect((await readChampion(store, 'crm'))?.pointer.version).toBe(trained?.version);
    const meta = (await readMeta(store, 'crm', trained?.version ?? '')) as CustomerTableModelMeta;
    expect(isCustomerTableMeta(meta)).toBe(true);
    expect(meta).toMatchObject({
      label: { column: 'Future_Value' },
      rows: { customers: 400, scored: 400 },
      dataQuality: { sources: 1, rowsAccepted: 400 },
    });
    // The id column keeps the upload's header, as when training on the file itself.
    expect(meta.encoding.idColumn).toBe('Customer_ID');
    expect(meta.encoding.columns.map((c) => [c.name, c.kind])).toEqual([
      ['Age', 'number'],
      ['Gender', 'category'],
      ['Purchase_Frequency', 'number'],
      ['Average_Spending', 'number'],
      ['Last_Purchase_Date', 'date'],
    ]);
    const csv = (await getText(store, `models/crm/${trained?.version}/predictions.csv`)) ?? '';
    expect(csv.trimEnd().split('\n')).toHaveLength(401);
  });

  it('encodes the stored table exactly as the same file read directly', async () => {
    // Prepare
    const { dir, table: direct } = await generatedTable(400, 3);

    // Act
    const stored = await loadNormalizedCustomerTable(store, await loadIngestReports(store, 'crm'));
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(stored).toEqual(direct);
  });

  it('refuses a dataset that mixes a customer table with transactions, naming both', async () => {
    // Act
    const direct = createTrainHandler(() => store, fastTrain)({ dataset: 'mixed' }, context);

    // Assess
    await expect(direct).rejects.toThrow(MixedInputKindsError);
    await expect(direct).rejects.toThrow(
      /mixes transaction logs \(uploads\/mixed\/orders\.csv\) with customer tables \(uploads\/mixed\/customers\.csv\)/,
    );
  });

  it('on the schedule, skips the mixed dataset with the reason and trains nothing twice', async () => {
    // Act
    const result = await createTrainHandler(() => store, fastTrain)(null, context);

    // Assess
    expect(result.trained).toEqual([]);
    expect(result.skipped).toEqual([
      { dataset: 'crm', reason: expect.stringMatching(/^data unchanged since the champion/) },
      {
        dataset: 'mixed',
        reason: expect.stringMatching(/^training failed: MixedInputKindsError: the data mixes/),
      },
    ]);
  });
});
