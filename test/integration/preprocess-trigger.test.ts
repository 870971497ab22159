import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { Upload } from '@aws-sdk/lib-storage';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import uploadEvent from '../../events/s3-upload.json';
import { getText } from '../../lib/store/blob-store';
import { createS3Client } from '../../lib/store/s3-store';
import { localStack } from '../../scripts/local-stack';
import {
  invokeFunction,
  bucketStore as store,
  uniqueDataset,
  waitForReport,
} from '../../scripts/stack-client';
import { needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../support/datasets';

function arrayBufferOf(bytes: Uint8Array | undefined): ArrayBuffer {
  if (!bytes) throw new Error('no such object');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function readParquet(key: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: arrayBufferOf(await store.get(key)) });
}

/** The first `days` Online Retail files as one CSV (one header), and its number of data rows. */
async function onlineRetailSlice(days: number): Promise<{ csv: string; rows: number }> {
  const onlineRetailDays = ONLINE_RETAIL_DAYS as string;
  const files = (await readdir(onlineRetailDays))
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .slice(0, days);
  const texts = await Promise.all(files.map((f) => readFile(path.join(onlineRetailDays, f), 'utf8')));
  const header = (texts[0] ?? '').split('\n')[0] ?? '';
  const bodies = texts.map((t) => t.slice(t.indexOf('\n') + 1).replace(/\n*$/, '\n'));
  const rows = bodies.reduce((n, b) => n + b.split('\n').filter((l) => l.trim() !== '').length, 0);
  return { csv: `${header}\n${bodies.join('')}`, rows };
}

const ordersCsv = [
  'customer_id,date,amount,order_id',
  'c1,2024-01-02,10.50,A1',
  'c2,2024-01-03,7.25,A2',
  ',2024-01-04,4.00,A3',
  'c1,2024-01-05,-2.50,A4',
  'c3,not a date,3.00,A5',
].join('\n');

describe('preprocess on the local stack', () => {
  it('turns an SDK upload into normalized Parquet, a quarantine and a report', async () => {
    // Prepare
    const dataset = uniqueDataset('small');

    // Act
    await store.put(`uploads/${dataset}/orders.csv`, ordersCsv);
    const report = await waitForReport(dataset, 'orders');

    // Assess
    expect(report).toMatchObject({ dataset, source: 'orders', status: 'ok', rowsRead: 5, rowsAccepted: 3 });
    expect(report.rowsRejected).toBe(2);
    expect(Object.values(report.rejectedByReason).reduce((a, b) => a + b, 0)).toBe(2);
    const rows = await readParquet(`normalized/${dataset}/orders.parquet`);
    expect(rows.map((r) => [r.customer_id, r.amount, r.order_id])).toEqual([
      ['c1', 10.5, 'A1'],
      ['c2', 7.25, 'A2'],
      ['c1', -2.5, 'A4'],
    ]);
    const quarantine = await getText(store, `quarantine/${dataset}/orders.csv`);
    expect(quarantine?.trim().split('\n')).toHaveLength(3); // header + the two rejected rows
    expect(quarantine).toContain('A3');
    expect(quarantine).toContain('A5');
  });

  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail('is triggered by a multipart upload (lib-storage, > 5 MB)'),
    async () => {
      // Prepare: 45 days of Online Retail in one ≈ 7 MB CSV, so Upload sends it in two parts
      const dataset = uniqueDataset('multipart');
      const { csv, rows } = await onlineRetailSlice(45);
      const client = createS3Client({ s3Endpoint: localStack.s3Endpoint });
      const parts = new Set<number>();

      // Act
      const upload = new Upload({
        client,
        params: { Bucket: localStack.bucket, Key: `uploads/${dataset}/retail.csv`, Body: Buffer.from(csv) },
        partSize: 5 * 1024 * 1024,
      });
      upload.on('httpUploadProgress', (p) => parts.add(p.part ?? 0));
      await upload.done();
      const report = await waitForReport(dataset, 'retail', 120_000);

      // Assess
      expect(parts.size).toBe(2);
      expect(report.status).toBe('ok');
      expect(report.rowsRead).toBe(rows);
      expect(report.rowsAccepted + report.rowsRejected).toBe(rows);
      const normalized = await store.get(`normalized/${dataset}/retail.parquet`);
      expect(Number(parquetMetadata(arrayBufferOf(normalized)).num_rows)).toBe(report.rowsAccepted);
      client.destroy();
    },
  );

  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail('is triggered by a .csv.gz upload and reads it gunzipped'),
    async () => {
      // Prepare
      const dataset = uniqueDataset('gzip');
      const { csv, rows } = await onlineRetailSlice(3);

      // Act
      await store.put(`uploads/${dataset}/days.csv.gz`, gzipSync(Buffer.from(csv)));
      const report = await waitForReport(dataset, 'days');

      // Assess
      expect(report).toMatchObject({ status: 'ok', rowsRead: rows });
      expect(await store.head(`normalized/${dataset}/days.parquet`)).toBeDefined();
    },
  );

  it('leaves one result when the same S3 event is delivered twice (Lambda invoke endpoint)', async () => {
    // Prepare: the fixture's object, first ingested by the trigger
    const key = uploadEvent.Records[0]?.s3.object.key ?? '';
    await store.put(key, ordersCsv);
    const triggered = await waitForReport('fixture', 'orders');
    const normalizedBefore = await store.head('normalized/fixture/orders.parquet');

    // Act
    const first = await invokeFunction('preprocess', uploadEvent);
    const second = await invokeFunction('preprocess', uploadEvent);

    // Assess
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(first.payload).toEqual({
      processed: [{ key, status: 'ok', rowsRead: 5, rowsAccepted: 3, rowsRejected: 2 }],
    });
    expect(await waitForReport('fixture', 'orders')).toEqual(triggered);
    expect((await store.head('normalized/fixture/orders.parquet'))?.etag).toBe(normalizedBefore?.etag);
  });

  it('is not triggered by writes outside uploads/ or by other suffixes', async () => {
    // Prepare
    const dataset = uniqueDataset('no-trigger');

    // Act: then an upload that does trigger, so its report proves the earlier events were delivered
    await store.put(`normalized/${dataset}/loop.csv`, ordersCsv);
    await store.put(`quarantine/${dataset}/loop.csv`, ordersCsv);
    await store.put(`uploads/${dataset}/notes.txt`, ordersCsv);
    await store.put(`uploads/${dataset}/marker.csv`, ordersCsv);
    await waitForReport(dataset, 'marker');
    await sleep(500);

    // Assess
    const reports: string[] = [];
    for await (const blob of store.list(`reports/ingest/${dataset}/`)) reports.push(blob.key);
    expect(reports.filter((k) => k.endsWith('.json'))).toEqual([`reports/ingest/${dataset}/marker.json`]);
  });

  it.each([
    [
      'binary',
      Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe, 0x00, 0x01,
      ]),
    ],
    ['empty', Buffer.alloc(0)],
  ])('answers a %s file with a failed report and no outputs', async (kind, body) => {
    // Prepare
    const dataset = uniqueDataset(kind);

    // Act
    await store.put(`uploads/${dataset}/bad.csv`, body);
    const report = await waitForReport(dataset, 'bad');

    // Assess
    expect(report.status).toBe('failed');
    expect(report.failureReason).toEqual(expect.any(String));
    expect(await store.head(`normalized/${dataset}/bad.parquet`)).toBeUndefined();
    expect(await store.head(`quarantine/${dataset}/bad.csv`)).toBeUndefined();
    expect(await store.head(`uploads/${dataset}/bad.csv`)).toMatchObject({ size: body.length });
  });
});
