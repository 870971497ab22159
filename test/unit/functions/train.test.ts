import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import schedule from '../../../events/schedule.json';
import { createTrainHandler } from '../../../functions/train';
import { FsBlobStore } from '../../../lib/store/fs-store';

describe('train handler (before training exists)', () => {
  let root: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('finds the datasets with normalized data and trains nothing, saying why', async () => {
    // Prepare
    root = await mkdtemp(path.join(tmpdir(), 'valuecast-train-'));
    const store = new FsBlobStore(root);
    await store.put('normalized/shop-b/a.parquet', 'x');
    await store.put('normalized/shop-a/a.parquet', 'x');
    await store.put('normalized/shop-a/b.parquet', 'x');
    await store.put('uploads/shop-c/a.csv', 'x');
    vi.spyOn(console, 'log').mockImplementation(() => {});

    // Act
    const result = await createTrainHandler(() => store)(schedule, {} as Context);

    // Assess
    expect(result).toEqual({
      trained: [],
      reason: 'training is not available in this version',
      datasets: ['shop-a', 'shop-b'],
    });
  });
});
