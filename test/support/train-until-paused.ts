/**
 * A training that is killed half way (test/integration/faults.test.ts runs this in a child process):
 * it trains a dataset of the local stack's bucket and, right after the new version's model.json is
 * written, prints `PAUSED` and waits, so the test can kill it (SIGKILL) at that exact point, as a Lambda
 * timeout or a crash would end it. The pause is the only thing faked: the writes before it are real.
 *
 *   node --import tsx test/support/train-until-paused.ts <dataset>
 */
import type { BlobStore } from '../../lib/store/blob-store';
import { trainStoredDataset } from '../../lib/training/train-stored-dataset';
import { bucketStore } from '../../scripts/stack-client';

async function main(dataset: string): Promise<void> {
  let paused = false;
  const store: BlobStore = {
    ...bucketStore,
    head: (key) => bucketStore.head(key),
    get: (key) => bucketStore.get(key),
    open: (key) => bucketStore.open(key),
    list: (prefix) => bucketStore.list(prefix),
    delete: (key) => bucketStore.delete(key),
    put: async (key, body, options) => {
      await bucketStore.put(key, body, options);
      if (!paused && /^models\/[^/]+\/[^/]+\/model\.json$/.test(key)) {
        paused = true;
        console.log(`PAUSED after ${key}`);
        setInterval(() => {}, 60_000);
        await new Promise(() => {});
      }
    },
  };
  await trainStoredDataset(store, dataset, { fit: { epochs: 2, members: 1 } });
  console.log('FINISHED');
}

main(process.argv[2] ?? '').catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
