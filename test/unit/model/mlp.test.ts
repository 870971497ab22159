import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlpPredict } from '../../../lib/model/mlp';
import { initBackend } from '../../../lib/model/tf-backend';

describe('mlpPredict', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('averages the members, scales back and clips to [0, maxValue]', () => {
    // Prepare: 3 customers × 2 members, label scale 2, cap 5.
    const output = [
      [1, 2],
      [-4, -2],
      [2, 4],
    ];

    // Act
    const value = tf.tidy(() => mlpPredict(tf.tensor2d(output), 2, 5).arraySync());

    // Assess: means 1.5, −3, 3 → ×2 → 3, −6 (clipped to 0), 6 (capped at 5).
    expect(value).toEqual([3, 0, 5]);
  });
});
