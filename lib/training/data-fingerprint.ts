import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { expandInputPaths } from '../ingest/load-files';
import type { BlobStore } from '../store/blob-store';
import { normalizedPrefix, parseNormalizedKey } from '../store/bucket-layout';

/**
 * A short hash identifying a set of inputs by name and version tag: equal fingerprints mean the same
 * data, so a scheduled training can skip a dataset whose data did not change since its last model.
 */
export function fingerprintOf(entries: readonly { name: string; tag: string }[]): string {
  const hash = createHash('sha256');
  for (const { name, tag } of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    hash.update(`${name}\0${tag}\n`);
  return `sha256:${hash.digest('hex').slice(0, 32)}`;
}

/** The fingerprint of `normalized/<dataset>/*.parquet` from the objects' etags (no object is read). */
export async function normalizedDataFingerprint(
  store: BlobStore,
  dataset: string,
): Promise<{ fingerprint: string; files: number }> {
  const entries: { name: string; tag: string }[] = [];
  for await (const info of store.list(normalizedPrefix(dataset)))
    if (parseNormalizedKey(info.key)) entries.push({ name: info.key, tag: info.etag });
  return { fingerprint: fingerprintOf(entries), files: entries.length };
}

/** The fingerprint of local input files (directories expanded) from their size and modification time. */
export async function localFilesFingerprint(paths: readonly string[]): Promise<string> {
  const entries: { name: string; tag: string }[] = [];
  for (const file of await expandInputPaths(paths)) {
    const s = await stat(file);
    entries.push({ name: path.resolve(file), tag: `${s.size}-${Math.round(s.mtimeMs)}` });
  }
  return fingerprintOf(entries);
}
