import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, S3Event } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import oneRecord from '../../../events/s3-upload.json';
import twoRecords from '../../../events/s3-upload-two-records.json';
import { createPreprocessHandler, PreprocessFailedError } from '../../../functions/preprocess';
import { type IngestReport, ingestUpload } from '../../../lib/ingest';
import { getJson } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';

const context = {} as Context;

function reportFor(key: string, status: IngestReport['status'] = 'ok'): IngestReport {
  const [, dataset = '', name = ''] = key.split('/');
  return {
    dataset,
    source: name,
    kind: 'transactions',
    status,
    rowsRead: 3,
    rowsAccepted: 2,
    rowsRejected: 1,
    rejectedByReason: { missing_customer_id: 1 },
    customers: 2,
    amountTotal: 10,
    duplicateRows: { withinFile: 0, acrossFiles: 0 },
    schema: {},
    outputs: {},
    durationMs: 1,
  };
}

describe('preprocess handler', () => {
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'valuecast-preprocess-'));
    store = new FsBlobStore(root);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it('ingests every record of the event, with URL-decoded keys', async () => {
    // Prepare
    const ingested: string[] = [];
    const handler = createPreprocessHandler({
      store: () => store,
      ingest: async (_store, key) => {
        ingested.push(key);
        return reportFor(key);
      },
    });
    vi.spyOn(console, 'info').mockImplementation(() => {});

    // Act
    const result = await handler(twoRecords as S3Event, context);

    // Assess
    expect(ingested).toEqual(['uploads/fixture/orders.csv', 'uploads/fixture/more orders.csv.gz']);
    expect(result.processed.map((p) => p.key)).toEqual(ingested);
  });

  it('processes the other records when one fails, then fails naming the failed key', async () => {
    // Prepare
    const ingested: string[] = [];
    const handler = createPreprocessHandler({
      store: () => store,
      ingest: async (_store, key) => {
        if (key.endsWith('orders.csv')) throw new Error('S3 timed out');
        ingested.push(key);
        return reportFor(key);
      },
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});

    // Act
    const outcome = handler(twoRecords as S3Event, context);

    // Assess
    await expect(outcome).rejects.toThrow(PreprocessFailedError);
    await expect(outcome).rejects.toThrow('uploads/fixture/orders.csv');
    expect(ingested).toEqual(['uploads/fixture/more orders.csv.gz']);
    const logged = JSON.parse(String(errors.mock.calls[0]?.[0]));
    expect(logged).toMatchObject({
      level: 'error',
      key: 'uploads/fixture/orders.csv',
      error: 'Error: S3 timed out',
    });
  });

  it('logs one JSON line per upload with the stable keys and no row contents', async () => {
    // Prepare
    const handler = createPreprocessHandler({
      store: () => store,
      ingest: async (_s, key) => reportFor(key),
    });
    const lines = vi.spyOn(console, 'info').mockImplementation(() => {});

    // Act
    await handler(oneRecord as S3Event, context);

    // Assess
    const logged = JSON.parse(String(lines.mock.calls[0]?.[0]));
    expect(Object.keys(logged)).toEqual(
      expect.arrayContaining(['dataset', 'source', 'rowsRead', 'rowsAccepted', 'rowsRejected', 'durationMs']),
    );
    expect(logged).toMatchObject({ level: 'info', dataset: 'fixture', rowsRead: 3, rowsAccepted: 2 });
  });

  it('runs the real ingest on a store and writes the report, once for a redelivered event', async () => {
    // Prepare
    await store.put(
      'uploads/fixture/orders.csv',
      'customer_id,date,amount\nc1,2024-01-02,10.5\n,2024-01-03,4\nc2,2024-01-04,7\n',
    );
    const handler = createPreprocessHandler({ store: () => store, ingest: ingestUpload });
    vi.spyOn(console, 'info').mockImplementation(() => {});

    // Act
    const first = await handler(oneRecord as S3Event, context);
    const second = await handler(oneRecord as S3Event, context);

    // Assess
    const report = await getJson<IngestReport>(store, 'reports/ingest/fixture/orders.json');
    expect(first.processed[0]).toMatchObject({ status: 'ok', rowsRead: 3, rowsAccepted: 2, rowsRejected: 1 });
    expect(second).toEqual(first);
    expect(report).toMatchObject({ rowsRead: 3, rowsAccepted: 2, rowsRejected: 1 });
    expect(await store.head('normalized/fixture/orders.parquet')).toBeDefined();
  });
});
