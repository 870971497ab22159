import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitModel } from '../../../lib/model/fit';
import { InvalidModelError, loadModel, saveModel } from '../../../lib/model/model-io';
import { BlobNotFoundError, getJson } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { QUICK_FIT, syntheticShop } from './synthetic';

const shop = syntheticShop(1500, 11);

describe('saveModel / loadModel', () => {
  let root: string;
  let store: FsBlobStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'valuecast-model-'));
    store = new FsBlobStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** model.json of a quick fit saved under `m`. */
  async function savedModelJson(): Promise<{ userDefinedMetadata: { valuecast: { spec: object } } }> {
    const model = await fitModel(shop.train, undefined, QUICK_FIT);
    await saveModel(model, store, 'm');
    model.dispose();
    const json = await getJson<{ userDefinedMetadata: { valuecast: { spec: object } } }>(
      store,
      'm/model.json',
    );
    if (!json) throw new Error('saveModel wrote no model.json');
    return json;
  }

  for (const [architecture, members] of [
    ['ziln', 1],
    ['mlp', 1],
    ['ziln', 3],
  ] as const) {
    it(`round-trips a ${architecture} model of ${members} member(s) with bit-identical predictions`, async () => {
      // Prepare
      const model = await fitModel(shop.train, undefined, {
        architecture,
        members,
        seed: 3,
        epochs: 2,
        batchSize: 128,
        learningRate: 0.003,
        patience: 3,
      });
      const before = model.predict(shop.test.features);

      // Act
      await saveModel(model, store, 'models/shop/v1');
      const loaded = await loadModel(store, 'models/shop/v1');
      const after = loaded.predict(shop.test.features);
      model.dispose();
      loaded.dispose();

      // Assess
      expect(after.value).toEqual(before.value);
      expect(after.pReturn).toEqual(before.pReturn);
      expect(loaded.spec).toEqual(model.spec);
      expect(loaded.training?.bestEpoch).toBe(2);
      expect(await store.head('models/shop/v1/weights.bin')).toBeDefined();
    });
  }

  it('round-trips a calibrated model: the blend, money map and level travel in model.json', async () => {
    // Prepare: blend with the synthetic shop's spend column, then a map that doubles.
    const network = await fitModel(shop.train, undefined, {
      architecture: 'ziln',
      seed: 5,
      epochs: 2,
      batchSize: 128,
      learningRate: 0.003,
      patience: 3,
    });
    const model = network.withCalibration({
      blendColumn: 'total_spend',
      blendWeight: 0.25,
      x: [1, 100],
      y: [2, 200],
      levelFactor: 1.5,
    });
    const raw = network.predict(shop.test.features).value;
    const before = model.predict(shop.test.features).value;

    // Act
    await saveModel(model, store, 'models/shop/v2');
    const loaded = await loadModel(store, 'models/shop/v2');
    const after = loaded.predict(shop.test.features).value;
    model.dispose();
    loaded.dispose();

    // Assess
    expect(after).toEqual(before);
    expect(loaded.spec.calibration).toEqual(model.spec.calibration);
    expect(before).not.toEqual(raw);
  });

  it('reports a missing model as a missing blob', async () => {
    // Act + Assess
    await expect(loadModel(store, 'models/none/v1')).rejects.toThrow(BlobNotFoundError);
  });

  it('refuses a model.json without the valuecast spec', async () => {
    // Prepare
    const json = await savedModelJson();
    await store.put('m/model.json', JSON.stringify({ ...json, userDefinedMetadata: {} }));

    // Act + Assess
    await expect(loadModel(store, 'm')).rejects.toThrow(InvalidModelError);
  });

  it('refuses a model.json whose spec describes another ensemble than its network, leaving no tensor', async () => {
    // Prepare: a single network whose spec claims 2 members.
    const json = await savedModelJson();
    json.userDefinedMetadata.valuecast.spec = { ...json.userDefinedMetadata.valuecast.spec, members: 2 };
    await store.put('m/model.json', JSON.stringify(json));
    const tensors = tf.memory().numTensors;

    // Act + Assess
    await expect(loadModel(store, 'm')).rejects.toThrow(/not a valuecast model: .*2 members end in Dense/);
    await expect(loadModel(store, 'm')).rejects.toThrow(InvalidModelError);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
