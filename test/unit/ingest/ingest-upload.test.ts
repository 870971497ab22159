import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type IngestReport, ingestUpload, loadNormalizedTransactions } from '../../../lib/ingest';
import { IngestSession } from '../../../lib/ingest/ingest-session';
import { type BlobBody, type BlobStore, getJson, type PutOptions } from '../../../lib/store/blob-store';
import { NotAnUploadError } from '../../../lib/store/bucket-layout';
import { fixture, tempStore } from './helpers';

async function keysOf(store: Awaited<ReturnType<typeof tempStore>>, prefix: string) {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

describe('ingestUpload', () => {
  it('ingests uploads/<dataset>/<name>.csv into the bucket layout, never writing under uploads/', async () => {
    const store = await tempStore();
    await store.put('uploads/shop/orders.csv', await readFile(fixture('comma.csv')));
    const report = await ingestUpload(store, 'uploads/shop/orders.csv');
    expect(report).toMatchObject({
      dataset: 'shop',
      source: 'orders',
      sourceKey: 'uploads/shop/orders.csv',
      status: 'ok',
    });
    expect(await keysOf(store, 'uploads/')).toEqual(['uploads/shop/orders.csv']);
    expect(await keysOf(store, 'normalized/')).toEqual(['normalized/shop/orders.parquet']);
    expect(await keysOf(store, 'quarantine/')).toEqual(['quarantine/shop/orders.csv']);
  });

  it('is idempotent: the same object delivered twice gives one result and is not re-read', async () => {
    const store = await tempStore();
    await store.put('uploads/shop/orders.csv.gz', gzipSync(await readFile(fixture('comma.csv'))));
    const first = await ingestUpload(store, 'uploads/shop/orders.csv.gz');
    const reportInfo = await store.head('reports/ingest/shop/orders.json');
    const second = await ingestUpload(store, 'uploads/shop/orders.csv.gz');
    expect(second).toEqual(first);
    expect(await store.head('reports/ingest/shop/orders.json')).toEqual(reportInfo);
    expect(second.duplicateRows.acrossFiles).toBe(0);
  });

  it('re-ingests when the upload changes, counts rows another source already holds, and training loads them once', async () => {
    const store = await tempStore();
    const text = await readFile(fixture('comma.csv'), 'utf8');
    await store.put('uploads/shop/a.csv', text);
    await ingestUpload(store, 'uploads/shop/a.csv');
    await store.put('uploads/shop/b.csv', text);
    const b = await ingestUpload(store, 'uploads/shop/b.csv');
    expect(b.duplicateRows.acrossFiles).toBe(3);
    await new Promise((r) => setTimeout(r, 20)); // a new mtime, so a new etag
    await store.put('uploads/shop/b.csv', `${text}B9,c9,2024-02-01,9.00,FR,web\n`);
    const changed = await ingestUpload(store, 'uploads/shop/b.csv');
    expect(changed.rowsAccepted).toBe(b.rowsAccepted + 1);
    const table = await loadNormalizedTransactions(store, 'shop');
    // a.csv's rows (a repeat inside it stays), and of b.csv only its new row.
    expect(table.length).toBe(b.rowsAccepted + 1);
    expect(table.amount[table.length - 1]).toBe(9);
  });

  it('uses uploads/<dataset>/_mapping.json, and re-ingests when it changes', async () => {
    const store = await tempStore();
    await store.put('uploads/shop/x.csv', await readFile(fixture('explicit-mapping.csv')));
    expect((await ingestUpload(store, 'uploads/shop/x.csv')).failureCode).toBe('no_amount_column');
    await store.put('uploads/shop/_mapping.json', JSON.stringify({ amount: 'sum' }));
    const report = await ingestUpload(store, 'uploads/shop/x.csv');
    expect(report).toMatchObject({ status: 'ok', rowsAccepted: 2 });
    await store.put('uploads/shop/_mapping.json', JSON.stringify({ colour: 'red' }));
    expect(await ingestUpload(store, 'uploads/shop/x.csv')).toMatchObject({
      status: 'failed',
      failureCode: 'invalid_mapping',
    });
  });

  it.each([
    'normalized/shop/a.parquet',
    'uploads/shop/_mapping.json',
    'uploads/a.csv',
    'uploads/shop/a.xlsx',
  ])('refuses %s as not an upload', async (key) => {
    await expect(ingestUpload(await tempStore(), key)).rejects.toThrow(NotAnUploadError);
  });

  it('reports on the version it read: an upload replaced while it is read writes nothing, the new one is ingested', async () => {
    // Prepare: v2 is in the bucket, but this read got v1 (its GET started before the re-upload).
    const store = await tempStore();
    const v1 = await readFile(fixture('comma.csv'));
    await store.put('uploads/shop/orders.csv', `${v1}B9,c9,2024-02-01,9.00,FR,web\n`);
    const v2 = await store.head('uploads/shop/orders.csv');
    const inFlight: BlobStore = Object.assign(Object.create(store), {
      open: async (key: string) => ({
        body: Readable.from([v1]),
        info: { key, size: v1.length, etag: 'etag-of-v1', lastModified: new Date(0) },
      }),
      head: async (key: string) =>
        key === 'uploads/shop/orders.csv' ? { ...v2, etag: v2?.etag } : store.head(key),
    });

    // Act
    const stale = await ingestUpload(inFlight, 'uploads/shop/orders.csv');
    const fresh = await ingestUpload(store, 'uploads/shop/orders.csv');

    // Assess
    expect(stale).toMatchObject({
      status: 'failed',
      failureCode: 'superseded_upload',
      sourceEtag: 'etag-of-v1',
    });
    expect(fresh).toMatchObject({ status: 'ok', sourceEtag: v2?.etag, rowsAccepted: 5 });
    expect(await getJson<IngestReport>(store, 'reports/ingest/shop/orders.json')).toEqual(fresh);
  });

  it('starts again when another ingest of the source commits while it runs', async () => {
    // Prepare: a second delivery of the same event commits between this one's start and its commit.
    const store = await tempStore();
    await store.put('uploads/shop/orders.csv', await readFile(fixture('comma.csv')));
    let raced = false;
    const racing: BlobStore = Object.assign(Object.create(store), {
      put: async (key: string, body: BlobBody, options?: PutOptions) => {
        if (key === 'reports/ingest/shop/orders.json' && !raced) {
          raced = true;
          // The other delivery, in a Lambda of its own (here: a DuckDB session of its own).
          const other = await IngestSession.open();
          await ingestUpload(store, 'uploads/shop/orders.csv', other);
          await other.close();
        }
        return store.put(key, body, options);
      },
    });

    // Act
    const report = await ingestUpload(racing, 'uploads/shop/orders.csv');

    // Assess: the retry found the other's report for the same version and returned it; one report.
    expect(raced).toBe(true);
    expect(await getJson<IngestReport>(store, 'reports/ingest/shop/orders.json')).toEqual(report);
  });

  it('reads x.csv and x.csv.gz (any case) as one source: the newer upload wins whatever order events come in', async () => {
    // Prepare
    const store = await tempStore();
    await store.put('uploads/shop/x.CSV', await readFile(fixture('comma.csv')));
    await new Promise((r) => setTimeout(r, 20));
    await store.put('uploads/shop/x.Csv.GZ', gzipSync(await readFile(fixture('tab.tsv'))));

    // Act: the newer upload's event first, the older one's late.
    const newer = await ingestUpload(store, 'uploads/shop/x.Csv.GZ');
    const older = await ingestUpload(store, 'uploads/shop/x.CSV');

    // Assess
    expect(newer).toMatchObject({ status: 'ok', source: 'x', sourceKey: 'uploads/shop/x.Csv.GZ' });
    expect(older).toMatchObject({ status: 'failed', failureCode: 'superseded_upload' });
    expect(await getJson<IngestReport>(store, 'reports/ingest/shop/x.json')).toEqual(newer);
  });
});
