import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { BlobNotFoundError, getJson, PreconditionFailedError, putJson } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';

async function tempStore(): Promise<FsBlobStore> {
  return new FsBlobStore(await mkdtemp(path.join(os.tmpdir(), 'valuecast-fs-store-')));
}

describe('FsBlobStore', () => {
  it('round-trips bytes, text, streams and JSON under nested keys', async () => {
    // Prepare
    const store = await tempStore();

    // Act
    await store.put('a/b/bytes.bin', new Uint8Array([1, 2, 3]));
    await store.put('a/text.txt', 'héllo');
    await store.put('a/stream.txt', Readable.from(['x', 'y', 'z']));
    await putJson(store, 'models/x/champion.json', { version: 'v1' });

    // Assess
    expect([...((await store.get('a/b/bytes.bin')) ?? [])]).toEqual([1, 2, 3]);
    expect(await text((await store.open('a/text.txt')).body)).toBe('héllo');
    expect(await text((await store.open('a/stream.txt')).body)).toBe('xyz');
    expect(await getJson(store, 'models/x/champion.json')).toEqual({ version: 'v1' });
    expect((await store.head('a/text.txt'))?.size).toBe(Buffer.byteLength('héllo'));
  });

  it('says when an object is missing', async () => {
    const store = await tempStore();
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.head('nope')).toBeUndefined();
    await expect(store.open('nope')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('lists by prefix in key order and forgets deleted objects', async () => {
    // Prepare
    const store = await tempStore();
    for (const key of ['reports/ingest/s/b.json', 'reports/ingest/s/a.json', 'uploads/s/a.csv'])
      await store.put(key, key);

    // Act
    await store.delete('reports/ingest/s/b.json');
    const keys: string[] = [];
    for await (const info of store.list('reports/')) keys.push(info.key);

    // Assess
    expect(keys).toEqual(['reports/ingest/s/a.json']);
  });

  it('refuses a conditional write when the object changed, and a create when it exists', async () => {
    // Prepare
    const store = await tempStore();
    await store.put('p.json', 'v1');
    const seen = await store.head('p.json');

    // Act / Assess
    await expect(store.put('p.json', 'new', { ifMatch: null })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await store.put('p.json', 'v2', { ifMatch: seen?.etag ?? '' });
    await expect(store.put('p.json', 'v3', { ifMatch: seen?.etag ?? '' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(Buffer.from((await store.get('p.json')) ?? []).toString()).toBe('v2');
  });

  it('never leaves a temporary file behind and rejects keys that escape the root', async () => {
    const store = await tempStore();
    await store.put('k.txt', 'x');
    expect(await readdir(store.root)).toEqual(['k.txt']);
    await expect(store.put('../outside.txt', 'x')).rejects.toThrow(/escapes the store/);
  });
});
