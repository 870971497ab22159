import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestReport } from '../../lib/ingest';
import { localStack } from '../../scripts/local-stack';
import { bucketStore as store, uniqueDataset, waitForReport } from '../../scripts/stack-client';
import { CDNOW_MASTER, needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../support/datasets';

function awsCliAvailable(): boolean {
  return spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('real datasets through the local S3 trigger', () => {
  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail('ingests the whole Online Retail folder (305 daily files) with exact counts'),
    async () => {
      // Prepare
      const onlineRetailDays = ONLINE_RETAIL_DAYS as string;
      const dataset = uniqueDataset('online-retail');
      const files = (await readdir(onlineRetailDays)).filter((f) => f.endsWith('.csv')).sort();

      // Act: four uploads at a time, each batch ingested before the next. serverless-s3-local runs every
      // event it sees at once, in a new worker thread when the others are busy: 305 uploads in a burst
      // would start ~300 workers on this machine's 2 cores.
      const reports: IngestReport[] = [];
      for (let i = 0; i < files.length; i += 4) {
        const batch = files.slice(i, i + 4);
        await Promise.all(
          batch.map((f) =>
            store.put(`uploads/${dataset}/${f}`, createReadStream(path.join(onlineRetailDays, f))),
          ),
        );
        for (const f of batch) reports.push(await waitForReport(dataset, f.replace(/\.csv$/, ''), 120_000));
      }

      // Assess
      const sum = (pick: (r: IngestReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
      expect(files).toHaveLength(305);
      expect(reports.every((r) => r.status === 'ok')).toBe(true);
      expect(sum((r) => r.rowsRead)).toBe(541_909);
      expect(sum((r) => r.rowsAccepted)).toBe(406_829);
      expect(sum((r) => r.rowsRejected)).toBe(541_909 - 406_829);
      // Slow by design of the check, not of one file: each upload also reads the row hashes of every
      // earlier file of the dataset (cross-file duplicates), ≈1 s per file at first, ≈7 s by the 300th.
    },
    600_000,
  );

  it('ingests CDNOW uploaded as uploads/cdnow/master.csv (aws CLI where installed)', async () => {
    // Prepare
    const dataset = uniqueDataset('cdnow');
    const target = `s3://${localStack.bucket}/uploads/${dataset}/master.csv`;

    // Act
    if (awsCliAvailable()) {
      const cp = spawnSync(
        'aws',
        ['--endpoint-url', localStack.s3Endpoint, 's3', 'cp', CDNOW_MASTER, target],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
            AWS_DEFAULT_REGION: 'us-east-1',
          },
        },
      );
      expect(cp.status, cp.stderr).toBe(0);
    } else {
      console.log('aws CLI not installed: uploading CDNOW with the SDK instead');
      await store.put(`uploads/${dataset}/master.csv`, createReadStream(CDNOW_MASTER));
    }
    const report = await waitForReport(dataset, 'master', 120_000);

    // Assess
    expect(report).toMatchObject({ status: 'ok', rowsRead: 69_659 });
    expect(report.rowsAccepted + report.rowsRejected).toBe(69_659);
    expect(await store.head(`normalized/${dataset}/master.parquet`)).toBeDefined();
  });
});
