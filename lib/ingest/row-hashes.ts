import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Exact-duplicate detection by row hash. Each accepted row's raw fields hash to a 53-bit number (two
 * FNV-1a 32-bit hashes combined). Sorting finds duplicates within a source; the sorted, de-duplicated list
 * is stored per source (`reports/ingest/<dataset>/<source>.rowhashes`, float64s) so a later source of the
 * same dataset can count rows that another source already holds.
 *
 * Memory stays flat in the file's size when a spill directory is given: at most `spillAt` hashes (default
 * {@link SPILL_HASHES}, 8 MB) are held; each full buffer is sorted, de-duplicated and written to the
 * directory as a run, and {@link RowHashSet.finish} merges the runs into one sorted file, reading every
 * run in small chunks. Without one (loaders that hold every row anyway), hashes stay in memory.
 */
export const SPILL_HASHES = 1 << 20;
/** Hashes read at a time from a file by a {@link HashCursor}. */
const CURSOR_CHUNK = 8192;

/** A sorted, de-duplicated hash list in a local file of little-endian float64s. */
export interface HashFile {
  path: string;
  count: number;
}

/** A sorted, de-duplicated hash list: in memory, or in a local file. */
export type SortedHashes = Float64Array | HashFile;

export class RowHashSet {
  private hashes: Float64Array;
  private size = 0;
  private added = 0;
  private readonly runs: HashFile[] = [];

  constructor(
    private readonly spillDir?: string,
    private readonly spillAt = SPILL_HASHES,
  ) {
    this.hashes = new Float64Array(Math.min(1 << 16, spillAt));
  }

  add(fields: readonly string[]): void {
    if (this.size === this.hashes.length) {
      if (this.spillDir !== undefined && this.size >= this.spillAt) this.spill(this.spillDir);
      else {
        const next = new Float64Array(this.hashes.length * 2);
        next.set(this.hashes);
        this.hashes = next;
      }
    }
    this.hashes[this.size++] = hashFields(fields);
    this.added++;
  }

  /**
   * The number of rows that repeat an earlier row, and the distinct hashes: in memory if nothing was
   * spilled, else merged into `<spillDir>/distinct.f64` (the runs are left for the caller's directory cleanup).
   */
  finish(): { duplicates: number; distinct: SortedHashes } {
    const last = sortedDistinct(this.hashes.subarray(0, this.size));
    if (this.runs.length === 0 || this.spillDir === undefined)
      return { duplicates: this.added - last.length, distinct: last.slice() };
    const distinct = mergeRuns([...this.runs, last], join(this.spillDir, 'distinct.f64'));
    return { duplicates: this.added - distinct.count, distinct };
  }

  private spill(dir: string): void {
    const run = sortedDistinct(this.hashes.subarray(0, this.size));
    const path = join(dir, `rowhashes-run-${this.runs.length}.f64`);
    writeFileSync(path, encodeHashes(run));
    this.runs.push({ path, count: run.length });
    this.size = 0;
  }
}

/** Sort `hashes` in place and compact its distinct values to the front; returns that prefix. */
function sortedDistinct(hashes: Float64Array): Float64Array {
  hashes.sort();
  let distinct = 0;
  for (let i = 0; i < hashes.length; i++) {
    if (i === 0 || hashes[i] !== hashes[i - 1]) hashes[distinct++] = hashes[i] as number;
  }
  return hashes.subarray(0, distinct);
}

/** K-way merge of sorted distinct lists into one sorted distinct file. */
function mergeRuns(lists: readonly SortedHashes[], path: string): HashFile {
  const cursors = lists.map((l) => new HashCursor(l)).filter((c) => !c.done);
  const fd = openSync(path, 'w');
  const out = new Float64Array(CURSOR_CHUNK);
  let buffered = 0;
  let count = 0;
  let previous = Number.NaN;
  try {
    while (cursors.length > 0) {
      let min = 0;
      for (let k = 1; k < cursors.length; k++)
        if ((cursors[k] as HashCursor).value < (cursors[min] as HashCursor).value) min = k;
      const cursor = cursors[min] as HashCursor;
      if (cursor.value !== previous) {
        previous = cursor.value;
        out[buffered++] = previous;
        count++;
        if (buffered === out.length) {
          writeSync(fd, encodeHashes(out));
          buffered = 0;
        }
      }
      cursor.next();
      if (cursor.done) cursors.splice(min, 1);
    }
    writeSync(fd, encodeHashes(out.subarray(0, buffered)));
  } finally {
    closeSync(fd);
    for (const c of cursors) c.close();
  }
  return { path, count };
}

/** Reads a sorted hash list front to back: from memory, or from its file a chunk at a time. */
export class HashCursor {
  value = Number.NaN;
  done = false;
  /** Position of `value` in the list. */
  index = -1;
  private chunk: Float64Array;
  private at = 0;
  private end = 0;
  private fd: number | undefined;
  private readonly count: number;

  constructor(list: SortedHashes) {
    if (list instanceof Float64Array) {
      this.chunk = list;
      this.end = list.length;
      this.count = list.length;
    } else {
      this.chunk = new Float64Array(Math.min(CURSOR_CHUNK, Math.max(list.count, 1)));
      this.count = list.count;
      this.fd = list.count > 0 ? openSync(list.path, 'r') : undefined;
    }
    this.next();
  }

  next(): void {
    this.index++;
    if (this.index >= this.count) {
      this.done = true;
      this.close();
      return;
    }
    if (this.at === this.end) this.fill();
    this.value = this.chunk[this.at++] as number;
  }

  /** Release the file (done at the end of the list too; callers close cursors they leave early). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private fill(): void {
    const bytes = new Uint8Array(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
    const wanted = Math.min(this.chunk.length, this.count - this.index) * 8;
    let read = 0;
    while (read < wanted) {
      const n = readSync(this.fd as number, bytes, read, wanted - read, null);
      if (n === 0) throw new Error('row hash file ends before its count');
      read += n;
    }
    this.at = 0;
    this.end = wanted / 8;
  }
}

/** Number of hashes in a list. */
export function hashCount(list: SortedHashes): number {
  return list instanceof Float64Array ? list.length : list.count;
}

/** Hash of a record's fields (separator-aware, so `a,bc` and `ab,c` differ). */
export function hashFields(fields: readonly string[]): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let f = 0; f < fields.length; f++) {
    const s = fields[f] as string;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x0100019d);
    }
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
    h2 = Math.imul(h2 ^ 0x1f, 0x0100019d);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

/**
 * Entries of sorted `mine` found in any of the sorted lists `others`: one merge walk per list, reading files
 * a chunk at a time; found entries are kept as one bit each.
 */
export function countSharedWithAny(mine: SortedHashes, others: readonly SortedHashes[]): number {
  const found = new Uint8Array(Math.ceil(hashCount(mine) / 8));
  for (const other of others) {
    const a = new HashCursor(mine);
    const b = new HashCursor(other);
    try {
      while (!a.done && !b.done) {
        if (a.value === b.value) {
          found[a.index >>> 3] = (found[a.index >>> 3] as number) | (1 << (a.index & 7));
          a.next();
          b.next();
        } else if (a.value < b.value) a.next();
        else b.next();
      }
    } finally {
      a.close();
      b.close();
    }
  }
  let shared = 0;
  for (let i = 0; i < found.length; i++) {
    for (let bits = found[i] as number; bits !== 0; bits &= bits - 1) shared++;
  }
  return shared;
}

export function encodeHashes(hashes: Float64Array): Uint8Array {
  return new Uint8Array(hashes.buffer, hashes.byteOffset, hashes.byteLength);
}

export function decodeHashes(bytes: Uint8Array): Float64Array {
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 8));
  copy.set(bytes.subarray(0, copy.length));
  return new Float64Array(copy.buffer);
}

/** For each sorted distinct list, how many of its entries also occur in at least one of the other lists. */
export function countSharedAcross(lists: readonly Float64Array[]): number[] {
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Float64Array(total);
  let at = 0;
  for (const l of lists) {
    all.set(l, at);
    at += l.length;
  }
  all.sort();
  // Each list holds a hash once, so a hash seen twice in `all` is held by two lists.
  const shared = new Set<number>();
  for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1]) shared.add(all[i] as number);
  return lists.map((l) => {
    if (shared.size === 0) return 0;
    let n = 0;
    for (let i = 0; i < l.length; i++) if (shared.has(l[i] as number)) n++;
    return n;
  });
}
