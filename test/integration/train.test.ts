import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../../functions/train';
import { orderLogCsv } from '../../lib/generate/order-log';
import type { ChampionPointer } from '../../lib/registry/champion';
import type { ModelMeta } from '../../lib/registry/model-meta';
import { PREDICTIONS_HEADER } from '../../lib/registry/predictions-csv';
import { getJson } from '../../lib/store/blob-store';
import {
  invokeFunction,
  bucketStore as store,
  uniqueDataset,
  waitForReport,
} from '../../scripts/stack-client';

async function train(dataset: string): Promise<TrainResult['trained'][number]> {
  // A training takes ~30 s here, minutes on a machine busy with other work: allow the Lambda's own 15 minutes.
  const { status, payload } = await invokeFunction('train', { dataset }, 900_000);
  expect(status, JSON.stringify(payload)).toBe(200);
  const result = payload as TrainResult;
  expect(result.trained, JSON.stringify(payload)).toHaveLength(1);
  return result.trained[0] as TrainResult['trained'][number];
}

describe('train on the local stack', () => {
  it('trains an uploaded shop on wasm, writes the artifacts and moves the champion; a retraining records its decision', async () => {
    // Prepare
    const dataset = uniqueDataset('train');
    await store.put(`uploads/${dataset}/orders.csv`, orderLogCsv({ customers: 1500, seed: 3, days: 730 }));
    await waitForReport(dataset, 'orders');

    // Act
    const first = await train(dataset);
    const second = await train(dataset);

    // Assess
    const prefix = `models/${dataset}/${first.version}`;
    for (const file of ['model.json', 'weights.bin', 'meta.json', 'predictions.csv'])
      expect(await store.head(`${prefix}/${file}`), file).toBeDefined();
    expect(first).toMatchObject({ promoted: true, reason: 'no champion yet' });
    const predictions = Buffer.from((await store.get(`${prefix}/predictions.csv`)) ?? []).toString('utf8');
    expect(predictions.split('\n')[0]).toBe(PREDICTIONS_HEADER);
    const meta = await getJson<ModelMeta>(store, `${prefix}/meta.json`);
    expect(meta).toMatchObject({ backend: 'wasm', promotion: { status: 'promoted' } });
    expect(meta?.dataFingerprint).toMatch(/^sha256:/);

    const secondMeta = await getJson<ModelMeta>(store, `models/${dataset}/${second.version}/meta.json`);
    expect(secondMeta?.promotion).toMatchObject({ reason: second.reason, previousChampion: first.version });
    // Same data: the champion was early-stopped on this very window, so its recorded metrics are compared.
    expect(secondMeta?.evaluation?.champion).toMatchObject({ version: first.version, basis: 'recorded' });
    const pointer = await getJson<ChampionPointer>(store, `models/${dataset}/champion.json`);
    expect(pointer?.version).toBe(second.promoted ? second.version : first.version);
  });

  it('answers a direct invoke of a dataset without data with the error that says so', async () => {
    // Act
    const { payload } = await invokeFunction('train', { dataset: uniqueDataset('missing') });

    // Assess
    expect(JSON.stringify(payload)).toMatch(/has no normalized data/);
  });
});
