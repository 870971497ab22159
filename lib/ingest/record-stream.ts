import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { CsvTokenizer, RecordTooLongError } from './csv-tokenizer';
import { type Delimiter, UnusableInputError } from './sniff';

/** Longest record accepted, in characters: a guard against unbounded memory on hostile or broken input. */
export const MAX_RECORD_CHARS = 1 << 20;
/** Bytes read before sniffing the layout. */
export const SNIFF_BYTES = 256 * 1024;

/** The decoded (gunzipped) bytes of a source: its first bytes for sniffing, then the rest. */
export interface DecodedInput {
  head: Buffer;
  /** Whether `head` is the whole input. */
  complete: boolean;
  /** Whether the raw input was gzip. */
  gzip: boolean;
  rest: AsyncIterator<Buffer>;
  /** Bytes read from the raw (possibly compressed) input so far. */
  rawBytes(): number;
}

/**
 * Open a source, gunzipping it when `gzip` says so or, if unset, when it starts with the gzip magic bytes,
 * and read its first {@link SNIFF_BYTES}.
 */
export async function openDecoded(
  raw: NodeJS.ReadableStream | Readable,
  gzip?: boolean,
): Promise<DecodedInput> {
  let rawBytes = 0;
  const counted = (async function* () {
    for await (const chunk of raw as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      rawBytes += b.length;
      yield b;
    }
  })();
  const first = await counted.next();
  const firstChunk = first.done ? Buffer.alloc(0) : first.value;
  const isGzip = gzip ?? (firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b);
  const replay = (async function* () {
    if (firstChunk.length > 0) yield firstChunk;
    yield* { [Symbol.asyncIterator]: () => counted };
  })();
  const decoded: AsyncIterator<Buffer> = isGzip ? gunzipped(replay) : replay;

  const parts: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < SNIFF_BYTES) {
    const next = await decoded.next();
    if (next.done) {
      complete = true;
      break;
    }
    parts.push(next.value);
    size += next.value.length;
  }
  return { head: Buffer.concat(parts), complete, gzip: isGzip, rest: decoded, rawBytes: () => rawBytes };
}

function gunzipped(source: AsyncIterable<Buffer>): AsyncIterator<Buffer> {
  const gunzip = createGunzip();
  const done = pipeline(source, gunzip).catch((e: unknown) => {
    throw gzipError(e);
  });
  return (async function* () {
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
    } catch (e: unknown) {
      throw gzipError(e);
    }
    await done;
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

/** Receives each parsed record synchronously, with the line it ends on. */
export type RecordHandler = (record: string[], line: number) => void;
/** Receives each record the CSV rules could not split (e.g. an unclosed quote), with a reason code. */
export type MalformedHandler = (reason: string, line: number) => void;

/**
 * Stream-parse the decoded input (head then rest), calling `onRecord` for every record (header
 * included) in order, synchronously: nothing is queued between parsing and validation, so memory stays
 * flat. Whitespace-delimited files are split on runs of spaces and tabs.
 * @throws {UnusableInputError} on a record over {@link MAX_RECORD_CHARS} or a broken gzip stream.
 */
export async function parseRecords(
  input: DecodedInput,
  delimiter: Delimiter,
  onRecord: RecordHandler,
  onMalformed: MalformedHandler,
): Promise<void> {
  const whitespace = delimiter === 'whitespace';
  const squeeze = whitespace ? whitespaceSqueezer() : (chunk: Buffer) => chunk;
  const decoder = new StringDecoder('utf8');
  const tokenizer = new CsvTokenizer(whitespace ? ' ' : delimiter, onRecord, onMalformed, MAX_RECORD_CHARS);
  try {
    tokenizer.write(decoder.write(squeeze(input.head)));
    for (let next = await input.rest.next(); !next.done; next = await input.rest.next()) {
      tokenizer.write(decoder.write(squeeze(next.value)));
    }
    tokenizer.write(decoder.end());
    tokenizer.end();
  } catch (e: unknown) {
    if (e instanceof RecordTooLongError) throw new UnusableInputError('record_too_long', e.message);
    throw e;
  }
}

/**
 * Rewrites whitespace-separated text so the tokenizer can split it on single spaces: runs of spaces and tabs
 * become one space, leading and trailing ones go (outside double quotes). Keeps state across chunks.
 * Doing this on bytes is cheaper than splitting on a regular expression per line.
 */
function whitespaceSqueezer(): (chunk: Buffer) => Buffer {
  let atLineStart = true;
  let pendingSpace = false;
  let quoted = false;
  return (chunk) => {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (quoted) {
        out[j++] = b;
        if (b === 34) quoted = false;
      } else if (b === 32 || b === 9) {
        if (!atLineStart) pendingSpace = true;
      } else if (b === 10 || b === 13) {
        pendingSpace = false;
        atLineStart = true;
        out[j++] = b;
      } else {
        if (pendingSpace) out[j++] = 32;
        pendingSpace = false;
        atLineStart = false;
        if (b === 34) quoted = true;
        out[j++] = b;
      }
    }
    return out.subarray(0, j);
  };
}
