import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ingestStream } from '../../../lib/ingest';
import {
  countSharedWithAny,
  decodeHashes,
  type HashFile,
  RowHashSet,
  type SortedHashes,
} from '../../../lib/ingest/row-hashes';
import { tempStore } from './helpers';

/** 5,000 records over 1,200 distinct rows, in an order that puts repeats in different runs. */
function records(seed: number): string[][] {
  let state = seed;
  return Array.from({ length: 5000 }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const row = state % 1200;
    return [`C${row % 97}`, `2024-01-${String((row % 28) + 1).padStart(2, '0')}`, String(row)];
  });
}

async function hashesOf(list: SortedHashes): Promise<Float64Array> {
  return list instanceof Float64Array ? list : decodeHashes(await readFile((list as HashFile).path));
}

describe('RowHashSet', () => {
  it('spills sorted runs to disk and merges them into the same distinct list and duplicate count', async () => {
    // Prepare
    const dir = (await tempStore()).root;
    const inMemory = new RowHashSet();
    const spilling = new RowHashSet(dir, 64);
    // Act
    for (const record of records(1)) {
      inMemory.add(record);
      spilling.add(record);
    }
    const expected = inMemory.finish();
    const actual = spilling.finish();
    // Assess
    expect(expected.distinct).toBeInstanceOf(Float64Array);
    expect(actual.distinct).not.toBeInstanceOf(Float64Array);
    expect(actual.duplicates).toBe(expected.duplicates);
    expect(expected.duplicates).toBe(5000 - (expected.distinct as Float64Array).length);
    expect(Array.from(await hashesOf(actual.distinct))).toEqual(
      Array.from(expected.distinct as Float64Array),
    );
  });

  it('counts shared entries the same from files as from memory', async () => {
    // Prepare
    const lists = await Promise.all(
      [1, 2, 3].map(async (seed) => {
        const memory = new RowHashSet();
        const file = new RowHashSet((await tempStore()).root, 100);
        for (const record of records(seed).slice(0, 1000 + seed * 300)) {
          memory.add(record);
          file.add(record);
        }
        return { memory: memory.finish().distinct as Float64Array, file: file.finish().distinct };
      }),
    );
    const [mine, ...others] = lists as [(typeof lists)[0], ...typeof lists];
    // Act
    const fromMemory = countSharedWithAny(
      mine.memory,
      others.map((o) => o.memory),
    );
    const fromFiles = countSharedWithAny(
      mine.file,
      others.map((o) => o.file),
    );
    // Assess
    const union = new Set(others.flatMap((o) => Array.from(o.memory)));
    expect(fromMemory).toBe(Array.from(mine.memory).filter((h) => union.has(h)).length);
    expect(fromMemory).toBeGreaterThan(0);
    expect(fromFiles).toBe(fromMemory);
  });
});

describe('ingestStream with a small in-memory hash budget', () => {
  it('reports the same duplicates within and across files and stores the same row-hash list', async () => {
    // Prepare
    const csv = (seed: number) =>
      `customer_id,date,amount\n${records(seed)
        .map(([c, d, a]) => `${c},${d},${a}`)
        .join('\n')}\n`;
    const run = async (rowHashesInMemory: number | undefined) => {
      const out = await tempStore();
      const reports = [];
      for (const [source, seed] of [
        ['a', 1],
        ['b', 2],
      ] as const)
        reports.push(
          await ingestStream({
            open: async () => Readable.from([Buffer.from(csv(seed))]),
            dataset: 'shop',
            source,
            out,
            rowHashesInMemory,
          }),
        );
      return { reports, hashes: await out.get('reports/ingest/shop/b.rowhashes') };
    };
    // Act
    const inMemory = await run(undefined);
    const spilled = await run(128);
    // Assess
    expect(inMemory.reports[1]?.duplicateRows.withinFile).toBeGreaterThan(3000);
    expect(inMemory.reports[1]?.duplicateRows.acrossFiles).toBeGreaterThan(0);
    expect(spilled.reports.map((r) => r.duplicateRows)).toEqual(inMemory.reports.map((r) => r.duplicateRows));
    expect(Buffer.from(spilled.hashes as Uint8Array)).toEqual(Buffer.from(inMemory.hashes as Uint8Array));
  });
});
