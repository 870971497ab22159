import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type BlobBody,
  type BlobInfo,
  BlobNotFoundError,
  type BlobStore,
  type OpenedBlob,
  PreconditionFailedError,
  type PutOptions,
} from './blob-store';

/**
 * A {@link BlobStore} over a local directory: key `a/b.csv` is file `<root>/a/b.csv`. Writes go to a
 * temporary sibling and are renamed into place, so a reader never sees half a file.
 */
export class FsBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (full !== path.resolve(this.root) && !full.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`key escapes the store: ${key}`);
    }
    return full;
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      if (!s.isFile()) return undefined;
      return { key, size: s.size, etag: etagOf(s.size, s.mtimeMs, s.ino), lastModified: s.mtime };
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async open(key: string): Promise<OpenedBlob> {
    let handle: import('node:fs/promises').FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (e: unknown) {
      if (isNotFound(e)) throw new BlobNotFoundError(key);
      throw e;
    }
    // The stat of the open file: a write renames a new file into place, so this is the version read.
    const s = await handle.stat();
    if (!s.isFile()) {
      await handle.close();
      throw new BlobNotFoundError(key);
    }
    return {
      body: handle.createReadStream(),
      info: { key, size: s.size, etag: etagOf(s.size, s.mtimeMs, s.ino), lastModified: s.mtime },
    };
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    if (options.ifMatch === undefined) return this.writeAtomically(target, body);
    // Check-then-write must be one step across processes: hold an exclusive lock file meanwhile.
    const release = await acquireLock(`${target}.lock`);
    try {
      const current = await this.head(key);
      if ((current?.etag ?? null) !== options.ifMatch) throw new PreconditionFailedError(key);
      await this.writeAtomically(target, body);
    } finally {
      await release();
    }
  }

  private async writeAtomically(target: string, body: BlobBody): Promise<void> {
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      if (body instanceof Readable) await pipeline(body, createWriteStream(temp));
      else await writeFile(temp, body);
      await rename(temp, target);
    } catch (e: unknown) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const keys: string[] = [];
    // Walk only the deepest directory the prefix names, not the whole store.
    const directory = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    await collectKeys(this.pathOf(directory || '.'), directory, keys);
    keys.sort();
    for (const key of keys) {
      if (!key.startsWith(prefix) || key.endsWith('.tmp') || key.endsWith('.lock')) continue;
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  localPath(key: string): string | undefined {
    const full = this.pathOf(key);
    return existsSync(full) ? full : undefined;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

async function collectKeys(dir: string, prefix: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e: unknown) {
    if (isNotFound(e)) return;
    throw e;
  }
  for (const entry of entries) {
    const key = prefix + entry.name;
    if (entry.isDirectory()) await collectKeys(path.join(dir, entry.name), `${key}/`, out);
    else if (entry.isFile()) out.push(key);
  }
}

// Every write renames a new file into place, so the inode changes even when size and mtime do not.
async function acquireLock(lockPath: string, timeoutMs = 10_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (e: unknown) {
      if (!(typeof e === 'object' && e !== null && 'code' in e && e.code === 'EEXIST')) throw e;
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockPath}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function etagOf(size: number, mtimeMs: number, inode: number): string {
  return createHash('sha1').update(`${size}:${mtimeMs}:${inode}`).digest('hex').slice(0, 16);
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
}
