import type { Readable } from 'node:stream';

/** What a store knows about one object without reading it. */
export interface BlobInfo {
  key: string;
  size: number;
  /** Opaque version tag: changes whenever the content changes (S3 ETag, or size+mtime on disk). */
  etag: string;
  lastModified: Date;
}

/** An object being read, with the version that is being read (not a separate HEAD's, which could differ). */
export interface OpenedBlob {
  body: Readable;
  info: BlobInfo & {
    /** The object's version id, when the bucket keeps versions. */
    versionId?: string;
  };
}

/** Body accepted by {@link BlobStore.put}: bytes, text, or a stream (uploaded without buffering it whole). */
export type BlobBody = Uint8Array | string | Readable;

export interface PutOptions {
  contentType?: string;
  /** Only write if the object's current etag is this one; `null` means only if it does not exist yet. */
  ifMatch?: string | null;
}

/**
 * The storage port: the few blob operations valuecast needs. The S3 adapter serves the Lambdas, the
 * filesystem adapter serves the CLI and unit tests, so the domain code never knows which it has.
 * Keys are `/`-separated paths relative to the store's root (`uploads/shop/orders.csv`).
 */
export interface BlobStore {
  /** Describe an object, or `undefined` if it does not exist. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Read a whole object, or `undefined` if it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stream an object with the etag (and version) of what is streamed; throws {@link BlobNotFoundError}. */
  open(key: string): Promise<OpenedBlob>;
  /** Write an object whole (replacing it); with `ifMatch`, throws {@link PreconditionFailedError} on a race. */
  put(key: string, body: BlobBody, options?: PutOptions): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  delete(key: string): Promise<void>;
  /**
   * Where the object is on this machine, for readers that open files themselves (DuckDB): present on a
   * store of local files only; `undefined` when the object does not exist.
   */
  localPath?(key: string): string | undefined;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

export class PreconditionFailedError extends Error {
  constructor(readonly key: string) {
    super(`${key} changed since it was read`);
    this.name = 'PreconditionFailedError';
  }
}

/** Read a whole object as UTF-8 text, or `undefined` if it does not exist. */
export async function getText(store: BlobStore, key: string): Promise<string | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** Read and parse a JSON object, or `undefined` if it does not exist. */
export async function getJson<T>(store: BlobStore, key: string): Promise<T | undefined> {
  const text = await getText(store, key);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Write a value as pretty JSON. */
export async function putJson(
  store: BlobStore,
  key: string,
  value: unknown,
  options?: PutOptions,
): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`, {
    contentType: 'application/json',
    ...options,
  });
}
