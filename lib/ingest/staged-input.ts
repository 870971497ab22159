import { isUtf8 } from 'node:buffer';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { IngestLimits } from './ingest-limits';
import { UnusableInputError } from './sniff';

/** Bytes of the decoded input kept for sniffing. */
export const SNIFF_BYTES = 256 * 1024;

/**
 * What an over-long physical line is replaced with in the staged file: one line SQL recognizes and rejects
 * as `record_too_long` (U+FFFF is a noncharacter: no text export holds it).
 */
export const TOO_LONG_MARKER = '\uffffrecord_too_long';

/**
 * Bytes DuckDB may split raw lines on (sql/ingest/raw-lines.sql reads each line as one field): the first
 * one the input does not contain is used.
 */
const SEPARATOR_CANDIDATES = [0x1f, 0x1e, 0x01];

/** The input of one ingest, decoded and made safe for DuckDB's line reader, in a local file. */
export interface StagedInput {
  path: string;
  /** The first {@link SNIFF_BYTES} of the decoded text (whole, when `complete`). */
  head: Buffer;
  complete: boolean;
  gzip: boolean;
  /** A byte the staged file does not contain, to read it one line per row. */
  separator: string;
  /** Bytes read from the raw (possibly compressed) input. */
  rawBytes: number;
  /** Decoded bytes staged. */
  bytes: number;
  /** Set when the decoded input was over `maxInputBytes`: staging stopped at the last line before it. */
  truncatedAtBytes?: number;
}

export interface StageOptions {
  /** Whether the input is gzip; unset: sniffed from its magic bytes. */
  gzip?: boolean;
  limits: IngestLimits;
  /** Called once with the head, before the rest is read: throw an UnusableInputError to stop early. */
  checkHead?: (head: Buffer, complete: boolean) => void;
  onProgress?: (rawBytes: number) => void;
}

/**
 * Copy a source into `path`, gunzipping it (when `gzip` says so, or it starts with the gzip magic bytes),
 * in one pass with bounded memory. On the way, the text is made safe for DuckDB's line reader and the
 * limits are applied: invalid UTF-8 becomes U+FFFD and NUL bytes too (DuckDB rejects both), line ends
 * become LF (a CRLF or a lone CR is one line end, as before), a physical
 * line over `maxRecordBytes` becomes {@link TOO_LONG_MARKER} (one rejected row, not a failed file), and
 * past `maxInputBytes` of decoded text the copy ends at the last whole line.
 * @throws {UnusableInputError} for a broken gzip stream or a text holding every separator candidate
 */
export async function stageInput(
  raw: NodeJS.ReadableStream | Readable,
  path: string,
  options: StageOptions,
): Promise<StagedInput> {
  const { limits } = options;
  let rawBytes = 0;
  const counted = (async function* () {
    for await (const chunk of raw as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      rawBytes += b.length;
      options.onProgress?.(rawBytes);
      yield b;
    }
  })();
  const first = await counted.next();
  const firstChunk = first.done ? Buffer.alloc(0) : first.value;
  const gzip = options.gzip ?? (firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b);
  const replay = (async function* () {
    if (firstChunk.length > 0) yield firstChunk;
    yield* { [Symbol.asyncIterator]: () => counted };
  })();
  const decoded: AsyncIterator<Buffer> = gzip ? gunzipped(replay) : replay;

  const out = createWriteStream(path);
  let writeError: unknown;
  out.on('error', (e) => {
    writeError ??= e;
  });
  const writer = new LineSafeWriter(out, limits);
  const headParts: Buffer[] = [];
  let headSize = 0;
  let complete = false;
  let checked = false;
  try {
    for (;;) {
      const next = await decoded.next();
      if (next.done) {
        complete = !checked;
        break;
      }
      if (headSize < SNIFF_BYTES) {
        headParts.push(next.value);
        headSize += next.value.length;
      }
      if (!checked && headSize >= SNIFF_BYTES) {
        checked = true;
        options.checkHead?.(Buffer.concat(headParts), false);
      }
      if (!writer.write(next.value)) {
        (raw as Readable).destroy?.();
        break;
      }
    }
    if (!checked) options.checkHead?.(Buffer.concat(headParts), true);
    writer.end();
    await new Promise<void>((resolve) => out.end(resolve));
    if (writeError) throw writeError;
  } catch (e: unknown) {
    out.destroy();
    (raw as Readable).destroy?.();
    throw e;
  }
  const separator = writer.separator();
  if (separator === undefined)
    throw new UnusableInputError(
      'binary_content',
      'not a text file: it contains the control bytes 0x01, 0x1e and 0x1f',
    );
  return {
    path,
    head: Buffer.concat(headParts),
    complete,
    gzip,
    separator,
    rawBytes,
    bytes: writer.bytes,
    ...(writer.truncatedAt !== undefined && { truncatedAtBytes: writer.truncatedAt }),
  };
}

const LF = 10;
const CR = 13;

/** The position of the last line end (LF or CR) of `b`, or -1. */
function lastLineEnd(b: Buffer): number {
  return Math.max(b.lastIndexOf(LF), b.lastIndexOf(CR));
}

/**
 * Writes whole lines only, keeping the partial last line of each chunk (at most `maxRecordBytes`) for the
 * next: so an over-long line is found before any of it is written, whatever the chunk sizes.
 */
class LineSafeWriter {
  bytes = 0;
  truncatedAt: number | undefined;
  private pending: Buffer[] = [];
  private pendingSize = 0;
  /** Inside an over-long line: its bytes are dropped until the next line end. */
  private skipping = false;
  private readonly present = new Set<number>();

  constructor(
    private readonly out: WriteStream,
    private readonly limits: IngestLimits,
  ) {}

  /** Stage a decoded chunk; false once the input limit is reached (stop reading). */
  write(chunk: Buffer): boolean {
    // Slices no longer than a record: a line inside one slice is never over the limit.
    const step = this.limits.maxRecordBytes;
    for (let at = 0; at < chunk.length; at += step) {
      if (!this.writeSlice(chunk.subarray(at, Math.min(at + step, chunk.length)))) return false;
    }
    return true;
  }

  end(): void {
    if (this.skipping) this.emit(Buffer.from(TOO_LONG_MARKER));
    else if (this.pendingSize > 0) this.emit(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingSize = 0;
  }

  /** The first separator candidate the staged text does not contain. */
  separator(): string | undefined {
    const free = SEPARATOR_CANDIDATES.find((c) => !this.present.has(c));
    return free === undefined ? undefined : String.fromCharCode(free);
  }

  private writeSlice(slice: Buffer): boolean {
    let end = lastLineEnd(slice);
    // A CR ending the slice may be half of a CRLF: it waits for the next slice.
    if (end === slice.length - 1 && slice[end] === CR) end = lastLineEnd(slice.subarray(0, end));
    if (end < 0) {
      if (this.skipping) return true;
      if (this.pendingSize + slice.length > this.limits.maxRecordBytes) this.startSkipping();
      else this.keep(slice);
      return true;
    }
    const firstEnd = minLineEnd(slice);
    if (this.skipping) {
      this.emit(Buffer.from(TOO_LONG_MARKER));
      this.skipping = false;
      if (!this.emit(slice.subarray(firstEnd, end + 1))) return false;
    } else if (this.pendingSize + firstEnd > this.limits.maxRecordBytes) {
      this.dropPending();
      this.emit(Buffer.from(TOO_LONG_MARKER));
      if (!this.emit(slice.subarray(firstEnd, end + 1))) return false;
    } else {
      const lines = slice.subarray(0, end + 1);
      const whole = this.pendingSize > 0 ? Buffer.concat([...this.pending, lines]) : lines;
      this.dropPending();
      if (!this.emit(whole)) return false;
    }
    const rest = slice.subarray(end + 1);
    if (rest.length > 0) this.keep(rest);
    return true;
  }

  private keep(part: Buffer): void {
    this.pending.push(Buffer.from(part));
    this.pendingSize += part.length;
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingSize = 0;
  }

  private startSkipping(): void {
    this.dropPending();
    this.skipping = true;
  }

  /** Write whole lines, repaired; false when the input limit stops the copy. */
  private emit(lines: Buffer): boolean {
    let text = lines;
    if (text.indexOf(0) >= 0 || !isUtf8(text)) {
      // Replacement characters, as a text decoder reads them; NUL too, which DuckDB refuses in text.
      text = Buffer.from(new TextDecoder().decode(text).replace(/\0/g, '\ufffd'));
    }
    // One line end, LF: a CRLF or a lone CR ends one line (DuckDB's reader would count a CRLF in an LF file
    // as two). Latin-1 maps bytes to characters one to one, so UTF-8 passes through untouched.
    if (text.indexOf(CR) >= 0) text = Buffer.from(text.toString('latin1').replace(/\r\n?/g, '\n'), 'latin1');
    if (this.bytes + text.length > this.limits.maxInputBytes) {
      const room = this.limits.maxInputBytes - this.bytes;
      const cut = lastLineEnd(text.subarray(0, room));
      if (cut >= 0) this.put(text.subarray(0, cut + 1));
      this.truncatedAt = this.bytes;
      this.dropPending();
      this.skipping = false;
      return false;
    }
    this.put(text);
    return true;
  }

  private put(text: Buffer): void {
    for (const c of SEPARATOR_CANDIDATES)
      if (!this.present.has(c) && text.indexOf(c) >= 0) this.present.add(c);
    this.out.write(text);
    this.bytes += text.length;
  }
}

function minLineEnd(b: Buffer): number {
  const lf = b.indexOf(LF);
  const cr = b.indexOf(CR);
  return cr < 0 ? lf : lf < 0 ? cr : Math.min(lf, cr);
}

function gunzipped(source: AsyncIterable<Buffer>): AsyncIterator<Buffer> {
  const gunzip = createGunzip();
  const done = pipeline(source, gunzip);
  // Awaited below; this keeps a stop before the end (the input limit) from leaving it unhandled.
  done.catch(() => {});
  return (async function* () {
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
      await done;
    } catch (e: unknown) {
      throw gzipError(e);
    }
  })();
}

function gzipError(e: unknown): unknown {
  if (e instanceof UnusableInputError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  if (code === 'Z_BUF_ERROR')
    return new UnusableInputError('truncated_gzip', 'the gzip stream ends early (truncated upload?)');
  if (code.startsWith('Z_'))
    return new UnusableInputError('corrupt_gzip', `the gzip stream is corrupt (${code})`);
  return e;
}
