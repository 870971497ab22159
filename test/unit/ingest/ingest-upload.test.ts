import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestUpload, loadNormalizedTransactions } from '../../../lib/ingest';
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

  it('re-ingests when the upload changes, and counts rows another source already holds', async () => {
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
    expect(table.length).toBe(b.rowsAccepted * 2 + 1);
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
});
