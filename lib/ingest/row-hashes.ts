/**
 * Exact-duplicate detection by row hash. Each accepted row's raw fields hash to a 53-bit number
 * (two FNV-1a 32-bit hashes combined), kept in a growing Float64Array (8 bytes a row: the one part of
 * ingestion whose memory grows with the file). Sorting finds duplicates within a source; the sorted,
 * de-duplicated list is stored per source (`reports/ingest/<dataset>/<source>.rowhashes`) so a later
 * source of the same dataset can count rows that another source already holds.
 */
export class RowHashSet {
  private hashes = new Float64Array(1 << 16);
  private size = 0;

  add(fields: readonly string[]): void {
    if (this.size === this.hashes.length) {
      const next = new Float64Array(this.hashes.length * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[this.size++] = hashFields(fields);
  }

  /** Sort, and return the number of rows that repeat an earlier row plus the distinct hashes. */
  finish(): { duplicates: number; distinct: Float64Array } {
    const sorted = this.hashes.subarray(0, this.size).sort();
    let distinct = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i] as number;
    }
    return { duplicates: this.size - distinct, distinct: sorted.slice(0, distinct) };
  }
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

/** Entries of sorted `mine` found in any of the sorted lists `others` (one merge walk per list, no sorting). */
export function countSharedWithAny(mine: Float64Array, others: readonly Float64Array[]): number {
  const found = new Uint8Array(mine.length);
  for (const other of others) {
    let i = 0;
    let j = 0;
    while (i < mine.length && j < other.length) {
      const a = mine[i] as number;
      const b = other[j] as number;
      if (a === b) {
        found[i] = 1;
        i++;
        j++;
      } else if (a < b) i++;
      else j++;
    }
  }
  let shared = 0;
  for (let i = 0; i < found.length; i++) shared += found[i] as number;
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
