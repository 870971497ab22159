import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from './blob-store';

/**
 * Run `work` with a path on this machine for each key, in the keys' order: the store's own file where it
 * has one (a directory store), else a copy downloaded into a temporary directory under `tempRoot`, deleted
 * when `work` ends. For readers that open files themselves (DuckDB reads Parquet by path).
 * @throws {BlobNotFoundError} when a key has no object
 */
export async function withLocalFiles<T>(
  store: BlobStore,
  keys: readonly string[],
  work: (paths: string[]) => Promise<T>,
  tempRoot: string = tmpdir(),
): Promise<T> {
  const local = keys.map((key) => store.localPath?.(key));
  if (local.every((p) => p !== undefined)) return work(local as string[]);
  const dir = await mkdtemp(path.join(tempRoot, 'valuecast-objects-'));
  try {
    const paths: string[] = [];
    for (const [i, key] of keys.entries()) {
      const own = local[i];
      if (own !== undefined) {
        paths.push(own);
        continue;
      }
      const copy = path.join(dir, `${i}${path.extname(key)}`);
      await pipeline((await store.open(key)).body, createWriteStream(copy));
      paths.push(copy);
    }
    return await work(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
