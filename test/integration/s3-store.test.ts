import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { BlobNotFoundError, getText, PreconditionFailedError } from '../../lib/store/blob-store';
import { createS3Client, S3BlobStore } from '../../lib/store/s3-store';
import { localStack } from '../../scripts/local-stack';
import { bucketStore as store, uniqueDataset } from '../../scripts/stack-client';

// Under a prefix no function listens to: these objects trigger nothing.
const base = () => `it-store/${uniqueDataset('s3')}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('S3BlobStore against the local S3 server', () => {
  it('puts, heads, gets and deletes an object', async () => {
    // Prepare
    const key = `${base()}/a.json`;

    // Act
    await store.put(key, '{"a":1}', { contentType: 'application/json' });
    const info = await store.head(key);
    const text = await getText(store, key);
    await store.delete(key);

    // Assess
    expect(info).toMatchObject({ key, size: 7 });
    expect(info?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(text).toBe('{"a":1}');
    expect(await store.head(key)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
    await expect(store.open(key)).rejects.toThrow(BlobNotFoundError);
  });

  it('uploads a 20 MB stream in parts and reads back the same bytes (no chunk framing)', async () => {
    // Prepare: a store whose client records the commands it sends
    const client = createS3Client({ s3Endpoint: localStack.s3Endpoint });
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const recording = new S3BlobStore(client, localStack.bucket);
    const key = `${base()}/big.bin`;
    const bytes = randomBytes(20 * 1024 * 1024);
    const chunks = Array.from({ length: 20 }, (_, i) =>
      bytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
    );

    // Act
    await recording.put(key, Readable.from(chunks));
    const streamed: Buffer[] = [];
    for await (const chunk of (await store.open(key)).body) streamed.push(chunk as Buffer);

    // Assess
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect((await store.head(key))?.size).toBe(bytes.length);
    expect(Buffer.concat(streamed).equals(bytes)).toBe(true);
    client.destroy();
  });

  it('lists every object under a prefix across pages, in key order', async () => {
    // Prepare: more than one ListObjectsV2 page (1,000 keys)
    const prefix = base();
    const keys = Array.from({ length: 1005 }, (_, i) => `${prefix}/k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, 'x')));
    }
    await store.put(`${prefix}-other/k`, 'x');

    // Act
    const listed = await collect(store.list(`${prefix}/`));

    // Assess
    expect(listed.map((b) => b.key)).toEqual(keys);
  });

  it('honours ifMatch: create-only, matching etag, and a stale writer rejected', async () => {
    // Prepare
    const key = `${base()}/champion.json`;
    await store.put(key, 'v1', { ifMatch: null });
    const v1 = await store.head(key);

    // Act
    const createAgain = store.put(key, 'other', { ifMatch: null });
    await expect(createAgain).rejects.toThrow(PreconditionFailedError);
    await store.put(key, 'v2', { ifMatch: v1?.etag });
    const stale = store.put(key, 'v3', { ifMatch: v1?.etag });

    // Assess
    await expect(stale).rejects.toThrow(PreconditionFailedError);
    expect(await getText(store, key)).toBe('v2');
  });

  it('documents why the local store emulates conditional writes: s3rver ignores If-None-Match', async () => {
    // Prepare: a plain store, trusting the server alone
    const client = createS3Client({ s3Endpoint: localStack.s3Endpoint });
    const trusting = new S3BlobStore(client, localStack.bucket);
    const key = `${base()}/x.json`;
    await trusting.put(key, 'first');

    // Act: on AWS this is a 412; s3rver stores it
    await client.send(
      new PutObjectCommand({ Bucket: localStack.bucket, Key: key, Body: 'second', IfNoneMatch: '*' }),
    );

    // Assess
    expect(await getText(trusting, key)).toBe('second');
    client.destroy();
  });
});
