import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../lib/model/feature-matrix';
import { fitModel } from '../../../lib/model/fit';
import { FusedEnsemble, UnexpectedNetworkLayoutError } from '../../../lib/model/fused-ensemble';
import { mlpPredict } from '../../../lib/model/mlp';
import { applyTransforms } from '../../../lib/model/transforms';
import { FUSED_MAX_ROWS, type TrainedModel } from '../../../lib/model/value-model';
import { zilnPredict } from '../../../lib/model/ziln';
import { QUICK_FIT, syntheticShop } from './synthetic';

const shop = syntheticShop(1500, 11);

/** The first `rows` rows of `features`. */
function firstRows(features: FeatureMatrix, rows: number): FeatureMatrix {
  return {
    ...features,
    rows,
    values: features.values.slice(0, rows * features.cols),
    customers: features.customers.slice(0, rows),
  };
}

describe.each([
  ['ziln', 5],
  ['ziln', 1],
  ['mlp', 3],
  ['mlp', 1],
] as const)('FusedEnsemble of a trained %s network of %i member(s)', (architecture, members) => {
  let model: TrainedModel;
  let input: tf.Tensor2D;
  beforeAll(async () => {
    model = await fitModel(shop.train, undefined, { ...QUICK_FIT, architecture, members, epochs: 2 });
    const { rows, cols } = shop.test.features;
    input = tf.tensor2d(applyTransforms(model.spec.transforms, shop.test.features), [rows, cols]);
  });
  afterAll(() => {
    model.dispose();
    input.dispose();
  });

  it('computes exactly what network.apply computes, column for column', () => {
    // Prepare
    const fused = FusedEnsemble.fromNetwork(model.network, model.spec);

    // Act
    const got = tf.tidy(() => fused.apply(input).dataSync());
    const expected = tf.tidy(() => (model.network.apply(input) as tf.Tensor).dataSync());
    fused.dispose();

    // Assess
    expect(got.length).toBe(shop.test.features.rows * members * (architecture === 'ziln' ? 3 : 1));
    // Bit for bit on wasm: the block diagonal only adds products with 0, which leave a float sum as it is;
    // the API's answers and the batch scores (the other path) agree to the last digit.
    expect(got).toEqual(expected);
  });

  it('predicts the same values for a small request as for a large batch (the two inference paths)', () => {
    // Prepare: the reference is the network's own output through the heads.
    const maxLogMean = Math.log(model.spec.maxValue);
    const reference = tf.tidy(() => {
      const output = model.network.apply(input) as tf.Tensor;
      return architecture === 'ziln'
        ? zilnPredict(output, maxLogMean).value.dataSync()
        : mlpPredict(output, model.spec.labelScale, model.spec.maxValue).dataSync();
    });

    // Act
    const small = model.predict(firstRows(shop.test.features, FUSED_MAX_ROWS)).value;
    const batch = model.predict(shop.test.features).value;

    // Assess: the large batch goes through network.apply itself, the small request through the fusion.
    expect(shop.test.features.rows).toBeGreaterThan(FUSED_MAX_ROWS);
    expect(batch).toEqual(new Float32Array(reference));
    expect(small).toEqual(reference.subarray(0, FUSED_MAX_ROWS));
  });

  it('refuses a layout the spec does not describe, naming the difference', () => {
    // Act & Assess
    expect(() => FusedEnsemble.fromNetwork(model.network, { ...model.spec, members: members + 1 })).toThrow(
      UnexpectedNetworkLayoutError,
    );
    expect(() => FusedEnsemble.fromNetwork(model.network, { ...model.spec, hidden: [64] })).toThrow(
      'member 0 has 3 layers, the spec says 2',
    );
  });
});

describe('FusedEnsemble memory', () => {
  it('frees every tensor it made when disposed', async () => {
    // Prepare
    const model = await fitModel(shop.train, undefined, { ...QUICK_FIT, members: 2 });
    const before = tf.memory().numTensors;

    // Act
    const fused = FusedEnsemble.fromNetwork(model.network, model.spec);
    const made = tf.memory().numTensors - before;
    fused.dispose();
    const left = tf.memory().numTensors - before;
    model.dispose();

    // Assess: 3 kernels and 3 biases for 64-32-3.
    expect(made).toBe(6);
    expect(left).toBe(0);
  });
});
