import middy from '@middy/core';
import type { BlobStore } from '../lib/store/blob-store';
import { dataStore } from './shared/data-store';
import { logEvent } from './shared/log';

export interface TrainResult {
  trained: string[];
  reason: string;
  /** Datasets that have normalized data and would be trained. */
  datasets: string[];
}

/** The datasets that have at least one normalized file (`normalized/<dataset>/…`). */
export async function datasetsWithNormalizedData(store: BlobStore): Promise<string[]> {
  const datasets = new Set<string>();
  for await (const blob of store.list('normalized/')) {
    const dataset = blob.key.split('/')[1];
    if (dataset) datasets.add(dataset);
  }
  return [...datasets].sort();
}

/**
 * Placeholder until training lands (issue 4): it finds what would be trained and trains nothing, so
 * the schedule and direct invoke are wired and observable end to end.
 */
export function createTrainHandler(store: () => BlobStore) {
  return middy<unknown, TrainResult>().handler(async () => {
    const datasets = await datasetsWithNormalizedData(store());
    const reason = 'training is not available in this version';
    logEvent('info', 'training skipped', { datasets: datasets.join(','), reason });
    return { trained: [], reason, datasets };
  });
}

export const handler = createTrainHandler(dataStore);
