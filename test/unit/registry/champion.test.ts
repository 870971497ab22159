import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ChampionPointer,
  decidePromotion,
  promoteIfBetter,
  readChampion,
} from '../../../lib/registry/champion';
import { newModelVersion } from '../../../lib/registry/model-versions';
import { FsBlobStore } from '../../../lib/store/fs-store';

const pointer = (version: string, gini: number, decileMape = 0.2): ChampionPointer => ({
  version,
  promotedAt: new Date().toISOString(),
  gini,
  decileMape,
});

async function tempStore(): Promise<FsBlobStore> {
  return new FsBlobStore(await mkdtemp(path.join(os.tmpdir(), 'valuecast-champion-')));
}

describe('decidePromotion', () => {
  it('promotes the first model, an equal or better one, and refuses a worse ranking or much worse calibration', () => {
    expect(decidePromotion({ gini: 0.5, decileMape: 0.3 }, undefined).promoted).toBe(true);
    expect(decidePromotion({ gini: 0.7, decileMape: 0.2 }, { gini: 0.7, decileMape: 0.2 }).promoted).toBe(
      true,
    );
    expect(decidePromotion({ gini: 0.69, decileMape: 0.1 }, { gini: 0.7, decileMape: 0.2 })).toMatchObject({
      promoted: false,
      reason: expect.stringMatching(/Gini 0\.6900 is below/),
    });
    expect(decidePromotion({ gini: 0.8, decileMape: 0.4 }, { gini: 0.7, decileMape: 0.2 }).promoted).toBe(
      false,
    );
    expect(
      decidePromotion({ gini: Number.NaN, decileMape: 0.1 }, { gini: 0.7, decileMape: 0.2 }).promoted,
    ).toBe(false);
  });

  it('lets an evaluated model replace a champion that has no out-of-time metrics (trained on a short history)', () => {
    // A pointer written without an evaluation holds null metrics: NaN once read back.
    const unevaluated = JSON.parse('{"gini": null, "decileMape": null}') as {
      gini: number;
      decileMape: number;
    };
    expect(
      decidePromotion({ gini: 0.5, decileMape: 0.3 }, { gini: Number.NaN, decileMape: Number.NaN }),
    ).toMatchObject({
      promoted: true,
      reason: expect.stringMatching(/no out-of-time metrics/),
    });
    expect(decidePromotion({ gini: 0.5, decileMape: 0.3 }, unevaluated).promoted).toBe(true);
  });
});

describe('promoteIfBetter', () => {
  it('moves the pointer only when the decision says so, and keeps the previous champion otherwise', async () => {
    // Prepare
    const store = await tempStore();
    const byGini = (gini: number) => async (current: ChampionPointer | undefined) =>
      decidePromotion({ gini, decileMape: 0.2 }, current);

    // Act
    const first = await promoteIfBetter(store, 'shop', pointer('v1', 0.6), byGini(0.6));
    const worse = await promoteIfBetter(store, 'shop', pointer('v2', 0.5), byGini(0.5));

    // Assess
    expect(first.promoted).toBe(true);
    expect(worse).toMatchObject({ promoted: false, previous: { version: 'v1' } });
    expect((await readChampion(store, 'shop'))?.pointer.version).toBe('v1');
  });

  it('lets concurrent trainings race without a blind overwrite: the best one ends up champion', async () => {
    // Prepare
    const store = await tempStore();
    const ginis = [0.61, 0.75, 0.52, 0.7, 0.66, 0.58];

    // Act: all decide against whatever champion they read, then write conditionally.
    await Promise.all(
      ginis.map((gini, i) =>
        promoteIfBetter(
          store,
          'shop',
          pointer(`v${i}`, gini),
          async (current) => {
            // The worse the model, the slower its decision: without the conditional write it would land last.
            await new Promise((resolve) => setTimeout(resolve, (1 - gini) * 40));
            return decidePromotion({ gini, decileMape: 0.2 }, current);
          },
          20,
        ),
      ),
    );

    // Assess
    expect((await readChampion(store, 'shop'))?.pointer).toMatchObject({ version: 'v1', gini: 0.75 });
  });
});

describe('newModelVersion', () => {
  it('sorts by time and differs between two calls at the same instant', () => {
    const now = new Date('2026-11-28T18:37:00.123Z');
    const [a, b] = [newModelVersion(now), newModelVersion(now)];
    expect(a).toMatch(/^20261128T183700Z-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
    expect(newModelVersion(new Date('2026-11-28T18:38:00Z')) > (a as string)).toBe(true);
  });
});
