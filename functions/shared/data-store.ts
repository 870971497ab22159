import { loadConfig } from '../../lib/config';
import type { BlobStore } from '../../lib/store/blob-store';
import { createS3BlobStore } from '../../lib/store/s3-store';

let store: BlobStore | undefined;

/**
 * The data bucket's store, one per execution environment so warm invocations reuse the S3 client and
 * its connections. Created on first use: importing a handler reads no configuration and opens nothing.
 */
export function dataStore(): BlobStore {
  store ??= createS3BlobStore(loadConfig());
  return store;
}
