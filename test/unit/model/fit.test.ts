import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { LabelledRows } from '../../../lib/model/feature-matrix';
import {
  type FitOptions,
  fitModel,
  InvalidTrainingDataError,
  TrainingDivergedError,
} from '../../../lib/model/fit';
import { FeatureSchemaMismatchError } from '../../../lib/model/transforms';
import { syntheticShop } from './synthetic';

const shop = syntheticShop(3000, 7);
const options: FitOptions = {
  architecture: 'ziln',
  seed: 42,
  epochs: 2,
  batchSize: 128,
  learningRate: 0.003,
  patience: 5,
};

describe('fitModel', () => {
  it('lowers the loss in a 2-epoch ZILN fit and predicts finite, non-negative values', async () => {
    // Act
    const model = await fitModel(shop.train, shop.validation, options);
    const { value, pReturn } = model.predict(shop.test.features);
    model.dispose();

    // Assess
    const [first, second] = model.training?.epochs ?? [];
    expect(second?.trainLoss).toBeLessThan(first?.trainLoss as number);
    expect(value).toHaveLength(shop.test.features.rows);
    expect(value.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(pReturn?.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(model.training?.backend).toBe('wasm');
  });

  it('gives identical predictions for two fits with the same seed, different ones for another seed', async () => {
    // Act
    const a = await fitModel(shop.train, undefined, options);
    const b = await fitModel(shop.train, undefined, options);
    const c = await fitModel(shop.train, undefined, { ...options, seed: 43 });
    const [pa, pb, pc] = [a, b, c].map((m) => m.predict(shop.test.features).value);
    for (const m of [a, b, c]) m.dispose();

    // Assess
    expect(pb).toEqual(pa);
    expect(pc).not.toEqual(pa);
  });

  it('keeps the weights of the epoch with the best validation loss', async () => {
    // Prepare: a learning rate high enough that validation loss does not improve every epoch.
    const noisy = { ...options, epochs: 8, patience: 2, learningRate: 0.05 };

    // Act
    const model = await fitModel(shop.train, shop.validation, noisy);
    model.dispose();

    // Assess
    const epochs = model.training?.epochs ?? [];
    const losses = epochs.map((e) => e.validationLoss as number);
    expect(model.training?.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(epochs.length).toBeLessThanOrEqual(Math.min(8, (model.training?.bestEpoch ?? 0) + 2));
  });

  it('fits the MSE MLP baseline, which has no probability of returning', async () => {
    // Act
    const model = await fitModel(shop.train, shop.validation, { ...options, architecture: 'mlp' });
    const { value, pReturn } = model.predict(shop.test.features);
    model.dispose();

    // Assess
    expect(model.architecture).toBe('mlp');
    expect(pReturn).toBeUndefined();
    expect(value.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('refuses to predict a matrix whose feature columns differ from training', async () => {
    // Prepare
    const model = await fitModel(shop.train, undefined, { ...options, epochs: 1 });
    const names = [...shop.test.features.names].reverse();

    // Act + Assess
    expect(() => model.predict({ ...shop.test.features, names })).toThrow(FeatureSchemaMismatchError);
    model.dispose();
  });

  it('leaves no tensor behind once the model is disposed', async () => {
    // Prepare: warm up, so lazily created backend tensors are not counted.
    (await fitModel(shop.train, shop.validation, { ...options, epochs: 1 })).dispose();
    const before = tf.memory().numTensors;

    // Act
    const model = await fitModel(shop.train, shop.validation, options);
    model.predict(shop.test.features);
    model.dispose();

    // Assess
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a fit whose loss blew up instead of returning a NaN model', async () => {
    // Prepare: a learning rate no network survives, and labels far into the tail.
    const label = shop.train.label.map((y) => y * 1e30);

    // Act + Assess
    await expect(
      fitModel({ features: shop.train.features, label }, undefined, { ...options, learningRate: 1e30 }),
    ).rejects.toThrow(TrainingDivergedError);
  });

  it('refuses negative or missing labels', async () => {
    // Prepare
    const label = shop.train.label.slice();
    label[3] = -1;
    const bad: LabelledRows = { features: shop.train.features, label };

    // Act + Assess
    await expect(fitModel(bad, undefined, options)).rejects.toThrow(InvalidTrainingDataError);
    await expect(fitModel(bad, undefined, options)).rejects.toThrow(/label -1 in row 3/);
  });
});
