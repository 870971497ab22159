import { Readable } from 'node:stream';
import type { BlobBody, BlobInfo, BlobStore, PutOptions } from '../../lib/store/blob-store';

/** What S3 answers now and then (a 500 `InternalError`, a reset connection): injected by {@link failingStore}. */
export class InjectedS3Error extends Error {
  constructor(
    readonly call: number,
    method: string,
    key: string,
  ) {
    super(`InternalError: injected S3 failure of call ${call} (${method} ${key})`);
    this.name = 'InjectedS3Error';
  }
}

type Method = 'head' | 'get' | 'open' | 'put' | 'list' | 'delete';

/**
 * A store that passes every call to `inner` (the local stack's real S3 server) but fails the `failAt`-th
 * counted one with {@link InjectedS3Error}, as S3 fails a request now and then. s3rver cannot be told to
 * fail a request, so this wrapper is the fake: the calls before and after it are real. `counted` chooses
 * which calls count (default all; `writes` only put and delete). A failed put of a stream reads the
 * stream to its end first, as an upload whose completion failed.
 */
export function failingStore(
  inner: BlobStore,
  failAt: number,
  counted: 'all' | 'writes' = 'all',
): { store: BlobStore; calls: () => number } {
  let calls = 0;
  const check = (method: Method, key: string) => {
    if (counted === 'writes' && method !== 'put' && method !== 'delete') return;
    calls++;
    if (calls === failAt) throw new InjectedS3Error(calls, method, key);
  };
  const store: BlobStore = {
    async head(key: string): Promise<BlobInfo | undefined> {
      check('head', key);
      return inner.head(key);
    },
    async get(key: string) {
      check('get', key);
      return inner.get(key);
    },
    async open(key: string) {
      check('open', key);
      return inner.open(key);
    },
    async put(key: string, body: BlobBody, options?: PutOptions) {
      try {
        check('put', key);
      } catch (e: unknown) {
        if (body instanceof Readable) for await (const _ of body);
        throw e;
      }
      return inner.put(key, body, options);
    },
    async *list(prefix: string) {
      check('list', prefix);
      yield* inner.list(prefix);
    },
    async delete(key: string) {
      check('delete', key);
      return inner.delete(key);
    },
  };
  return { store, calls: () => calls };
}
