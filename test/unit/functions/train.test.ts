import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import schedule from '../../../events/schedule.json';
import direct from '../../../events/train-direct.json';
import { createTrainHandler, type TrainOne } from '../../../functions/train';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { ingestUpload } from '../../../lib/ingest';
import { readChampion } from '../../../lib/registry/champion';
import { readMeta } from '../../../lib/registry/model-meta';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { trainStoredDataset, UnknownDatasetError } from '../../../lib/training/train-stored-dataset';

const context = {} as Context;
const fastTrain: TrainOne = (store, dataset, options) =>
  trainStoredDataset(store, dataset, { ...options, fit: { epochs: 2, members: 1 } });

describe('train handler', () => {
  let root: string;
  let store: FsBlobStore;
  const logged: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'valuecast-train-'));
    store = new FsBlobStore(root);
    vi.spyOn(console, 'info').mockImplementation((line: string) => {
      logged.push(line);
    });
    for (const [dataset, seed] of [
      ['shop', 1],
      ['other', 2],
    ] as const) {
      await store.put(`uploads/${dataset}/orders.csv`, orderLogCsv({ customers: 400, seed, days: 730 }));
      await ingestUpload(store, `uploads/${dataset}/orders.csv`);
    }
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it('trains the dataset of a direct invoke, writes its artifacts, promotes it and logs progress as JSON', async () => {
    // Act
    const result = await createTrainHandler(() => store, fastTrain)(direct, context);

    // Assess
    expect(result.skipped).toEqual([]);
    expect(result.trained).toHaveLength(1);
    const [trained] = result.trained;
    expect(trained).toMatchObject({ dataset: 'shop', promoted: true, reason: 'no champion yet' });
    expect((await readChampion(store, 'shop'))?.pointer.version).toBe(trained?.version);
    const meta = await readMeta(store, 'shop', trained?.version ?? '');
    expect(meta?.dataQuality).toMatchObject({ sources: 1, rowsRejected: expect.any(Number) });
    expect(meta?.dataQuality?.rowsRead).toBeGreaterThan(meta?.dataQuality?.rowsAccepted ?? 0);
    const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'training progress', phase: 'fit', epoch: 2 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'training finished', dataset: 'shop', backend: meta?.backend }),
    );
  });

  it('on the schedule, trains only the datasets whose data changed since their last model', async () => {
    // Act
    const first = await createTrainHandler(() => store, fastTrain)(schedule, context);
    const second = await createTrainHandler(() => store, fastTrain)(schedule, context);

    // Assess
    expect(first.trained.map((t) => t.dataset)).toEqual(['other']);
    expect(first.skipped).toEqual([
      { dataset: 'shop', reason: expect.stringMatching(/^data unchanged since the champion/) },
    ]);
    expect(second.trained).toEqual([]);
    expect(second.skipped.map((s) => s.dataset)).toEqual(['other', 'shop']);
  });

  it('fails a direct invoke of a dataset without normalized data with a clear error', async () => {
    // Act / Assess
    await expect(createTrainHandler(() => store, fastTrain)({ dataset: 'nope' }, context)).rejects.toThrow(
      UnknownDatasetError,
    );
    await expect(createTrainHandler(() => store, fastTrain)({ dataset: '../x' }, context)).rejects.toThrow(
      /"dataset" must be a name/,
    );
  });

  it('on the schedule, retrains a dataset whose champion.json is corrupt, replacing the pointer, and still skips the others', async () => {
    // Prepare: the pointer of `other` torn (a hand edit saved half way).
    await store.put('models/other/champion.json', '{"version": "2026');

    // Act
    const result = await createTrainHandler(() => store, fastTrain)(schedule, context);

    // Assess
    expect(result.trained.map((t) => [t.dataset, t.promoted])).toEqual([['other', true]]);
    expect(result.trained[0]?.reason).toMatch(/models\/other\/champion\.json was corrupt: replaced/);
    expect(result.skipped.map((s) => s.dataset)).toEqual(['shop']);
    expect((await readChampion(store, 'other'))?.pointer.version).toBe(result.trained[0]?.version);
  });
});
