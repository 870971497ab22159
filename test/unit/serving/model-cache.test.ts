import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrainedModel } from '../../../lib/model/value-model';
import type { ModelMeta } from '../../../lib/registry/model-meta';
import { ChampionUnavailableError, ModelCache, NoChampionError } from '../../../lib/serving/model-cache';
import type { ServingModel } from '../../../lib/serving/serving-model';
import { putJson } from '../../../lib/store/blob-store';
import { championKey } from '../../../lib/store/bucket-layout';
import { FsBlobStore } from '../../../lib/store/fs-store';

function fakeModel(dataset: string, version: string): ServingModel {
  return {
    dataset,
    version,
    model: { dispose: vi.fn() } as unknown as TrainedModel,
    meta: {} as ModelMeta,
    batch: { byId: new Map(), decileFloors: [] },
  };
}

async function promote(store: FsBlobStore, dataset: string, version: string): Promise<void> {
  await putJson(store, championKey(dataset), { version, promotedAt: version, gini: 0.5, decileMape: 0.1 });
}

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('ModelCache', () => {
  let root: string;
  let store: FsBlobStore;
  let clock: number;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'model-cache-'));
    store = new FsBlobStore(root);
    clock = 1_000_000;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads the champion once for many concurrent requests, and says so once', async () => {
    // Prepare
    await promote(store, 'shop', 'v1');
    const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) => {
      await nextMacrotask();
      return fakeModel(dataset, version);
    });
    const onLoaded = vi.fn();
    const cache = new ModelCache(store, { loadVersion, now: () => clock, onLoaded });

    // Act
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.get('shop')));

    // Assess
    expect(loadVersion).toHaveBeenCalledTimes(1);
    expect(new Set(served).size).toBe(1);
    expect(served[0]?.version).toBe('v1');
    expect(onLoaded).toHaveBeenCalledExactlyOnceWith('shop', 'v1', expect.any(Number));
  });

  it('does not cache a failed load: the next request retries', async () => {
    // Prepare
    await promote(store, 'shop', 'v1');
    const loadVersion = vi
      .fn()
      .mockRejectedValueOnce(new Error('S3 hiccup'))
      .mockImplementation(async (_s: unknown, dataset: string, version: string) =>
        fakeModel(dataset, version),
      );
    const cache = new ModelCache(store, { loadVersion, now: () => clock });

    // Act
    const first = cache.get('shop');
    await expect(first).rejects.toThrow('S3 hiccup');
    const second = await cache.get('shop');

    // Assess
    expect(second.version).toBe('v1');
    expect(loadVersion).toHaveBeenCalledTimes(2);
  });

  it('throws NoChampionError while the dataset has no champion', async () => {
    // Prepare
    const cache = new ModelCache(store, { now: () => clock });

    // Act / Assess
    await expect(cache.get('shop')).rejects.toBeInstanceOf(NoChampionError);
  });

  it('swaps to a new champion after the refresh interval and disposes the old model', async () => {
    // Prepare
    await promote(store, 'shop', 'v1');
    const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) =>
      fakeModel(dataset, version),
    );
    const cache = new ModelCache(store, { loadVersion, refreshSeconds: 30, now: () => clock });
    const old = await cache.get('shop');
    await promote(store, 'shop', 'v2');

    // Act
    clock += 10_000;
    const beforeInterval = await cache.get('shop');
    clock += 25_000;
    const afterInterval = await cache.get('shop');
    await nextMacrotask();

    // Assess
    expect(beforeInterval.version).toBe('v1');
    expect(afterInterval.version).toBe('v2');
    expect(old.model.dispose).toHaveBeenCalledTimes(1);
    expect(afterInterval.model.dispose).not.toHaveBeenCalled();
  });

  it('keeps serving the current model when a refresh fails, and retries on the next request', async () => {
    // Prepare
    await promote(store, 'shop', 'v1');
    const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) => {
      if (version === 'v2' && loadVersion.mock.calls.length === 2) throw new Error('half-written weights');
      return fakeModel(dataset, version);
    });
    const onStaleServe = vi.fn();
    const cache = new ModelCache(store, { loadVersion, refreshSeconds: 1, now: () => clock, onStaleServe });
    await cache.get('shop');
    await promote(store, 'shop', 'v2');
    clock += 2_000;

    // Act
    const duringFailure = await cache.get('shop');
    const retried = await cache.get('shop');

    // Assess
    expect(duringFailure.version).toBe('v1');
    expect(onStaleServe).toHaveBeenCalledTimes(1);
    expect(retried.version).toBe('v2');
  });

  it('backs off a champion that fails to load: a burst of requests loads it twice, not per request', async () => {
    // Prepare: v1 serves, then the pointer moves to a v2 whose files are broken.
    await promote(store, 'shop', 'v1');
    const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) => {
      if (version === 'v2') throw new Error('weights.bin is truncated');
      return fakeModel(dataset, version);
    });
    const onLoadFailed = vi.fn();
    const cache = new ModelCache(store, { loadVersion, refreshSeconds: 1, now: () => clock, onLoadFailed });
    await cache.get('shop');
    await promote(store, 'shop', 'v2');
    clock += 2_000;

    // Act: 100 requests, one after the other, at the same moment; then once the backoff has passed.
    const burst: string[] = [];
    for (let i = 0; i < 100; i++) burst.push((await cache.get('shop')).version);
    const loadsInBurst = loadVersion.mock.calls.length;
    clock += 1_000;
    const afterBackoff = await cache.get('shop');

    // Assess: the first failure is retried at once (a passing hiccup), then the cache waits 1 s, 2 s, …
    expect(new Set(burst)).toEqual(new Set(['v1']));
    expect(loadsInBurst).toBe(1 + 2);
    expect(loadVersion.mock.calls.length).toBe(loadsInBurst + 1);
    expect(afterBackoff.version).toBe('v1');
    expect(onLoadFailed.mock.calls.map((c) => c[2])).toEqual([0, 1000, 2000]);
  });

  it('serves the last good model while champion.json is corrupt, and the new champion once it is fixed', async () => {
    // Prepare
    await promote(store, 'shop', 'v1');
    const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) =>
      fakeModel(dataset, version),
    );
    const cache = new ModelCache(store, { loadVersion, refreshSeconds: 1, now: () => clock });
    await cache.get('shop');
    await store.put(championKey('shop'), '{"version": "v2", "promo');

    // Act
    clock += 2_000;
    const whileCorrupt = [await cache.get('shop'), await cache.get('shop')];
    await promote(store, 'shop', 'v2');
    clock += 60_000;
    const fixed = await cache.get('shop');

    // Assess
    expect(whileCorrupt.map((m) => m.version)).toEqual(['v1', 'v1']);
    expect(fixed.version).toBe('v2');
  });

  it.each([
    ['not JSON', '{"version": "v1", "promo'],
    ['no version', '{"gini": 0.5}'],
    ['a version that is a path', '{"version": "../../uploads/x"}'],
  ])(
    'answers a corrupt champion.json (%s) with ChampionUnavailableError when nothing was served before',
    async (_case, text) => {
      // Prepare
      await store.put(championKey('shop'), text);
      const loadVersion = vi.fn(async (_s: unknown, dataset: string, version: string) =>
        fakeModel(dataset, version),
      );
      const cache = new ModelCache(store, { loadVersion, now: () => clock });

      // Act
      const answers = await Promise.allSettled([cache.get('shop'), cache.get('shop'), cache.get('shop')]);
      const later = await cache.get('shop').catch((e: unknown) => e);

      // Assess
      for (const answer of [...answers.map((a) => (a.status === 'rejected' ? a.reason : a)), later]) {
        expect(answer).toBeInstanceOf(ChampionUnavailableError);
        expect((answer as ChampionUnavailableError).message).toMatch(
          /champion\.json\) is corrupt: point it at a good version/,
        );
      }
      expect(loadVersion).not.toHaveBeenCalled();
    },
  );
});
