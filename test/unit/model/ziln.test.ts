import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../lib/model/tf-backend';
import { SIGMA_FLOOR, zilnInitialBias, zilnLoss, zilnPredict } from '../../../lib/model/ziln';

const softplus = (x: number) => Math.log1p(Math.exp(x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The ZILN loss of one row, written out from the paper's formula. */
function handLoss(label: number, [logit, mu, sigmaRaw]: [number, number, number]): number {
  const positive = label > 0 ? 1 : 0;
  const p = sigmoid(logit);
  const crossEntropy = -(positive * Math.log(p) + (1 - positive) * Math.log(1 - p));
  if (!positive) return crossEntropy;
  const sigma = Math.max(softplus(sigmaRaw), SIGMA_FLOOR);
  const logY = Math.log(label);
  const lognormalNll =
    logY + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI) + (logY - mu) ** 2 / (2 * sigma ** 2);
  return crossEntropy + lognormalNll;
}

describe('ZILN loss and prediction', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('matches a hand computation on three rows (one zero, two positive)', () => {
    // Prepare
    const labels = [0, 2, 10];
    const logits: [number, number, number][] = [
      [0.5, 0.3, -1],
      [-0.2, 1.0, 0.4],
      [1.5, 2.0, 2.0],
    ];
    const expected =
      labels.reduce((sum, y, i) => sum + handLoss(y, logits[i] as [number, number, number]), 0) / 3;

    // Act
    const loss = tf.tidy(() => zilnLoss(tf.tensor1d(labels), tf.tensor2d(logits)).dataSync()[0]);

    // Assess
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('predicts p·exp(μ + σ²/2) and the probability of returning', () => {
    // Prepare
    const row = [0.7, 3.2, 0.1];
    const sigma = softplus(0.1);
    const expectedValue = sigmoid(0.7) * Math.exp(3.2 + sigma ** 2 / 2);

    // Act
    const [value, pReturn] = tf.tidy(() => {
      const out = zilnPredict(tf.tensor2d([row]), 50);
      return [out.value.dataSync()[0], out.pReturn.dataSync()[0]];
    });

    // Assess
    expect(value).toBeCloseTo(expectedValue, 3);
    expect(pReturn).toBeCloseTo(sigmoid(0.7), 6);
  });

  it('caps the prediction when μ or σ explode, instead of returning Infinity', () => {
    // Prepare
    const maxLogMean = Math.log(10 * 5000);

    // Act
    const values = tf.tidy(() =>
      zilnPredict(
        tf.tensor2d([
          [5, 1e4, 0],
          [5, 2, 80],
        ]),
        maxLogMean,
      ).value.dataSync(),
    );

    // Assess
    for (const v of values) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThanOrEqual(10 * 5000 * 1.0001);
      expect(v).toBeGreaterThan(0.99 * 10 * 5000 * sigmoid(5));
    }
  });

  it('averages the members of an ensemble: values, probabilities and losses', () => {
    // Prepare
    const a = [0.7, 3.2, 0.1];
    const b = [-0.4, 2.0, -0.5];
    const labels = [0, 12];

    // Act
    const [ensemble, single] = tf.tidy(() => {
      const both = zilnPredict(tf.tensor2d([[...a, ...b]]), 50);
      const loss = zilnLoss(
        tf.tensor1d(labels),
        tf.tensor2d([
          [...a, ...b],
          [...b, ...a],
        ]),
      );
      return [
        [both.value.dataSync()[0], both.pReturn.dataSync()[0], loss.dataSync()[0]],
        [
          [a, b].map((r) => zilnPredict(tf.tensor2d([r]), 50).value.dataSync()[0] as number),
          [a, b].map((r) => sigmoid(r[0] as number)),
          [a, b].map(
            (r, i) => zilnLoss(tf.tensor1d(labels), tf.tensor2d([r, i ? a : b])).dataSync()[0] as number,
          ),
        ],
      ];
    });
    const mean = (xs: number[] | undefined) => ((xs?.[0] ?? 0) + (xs?.[1] ?? 0)) / 2;

    // Assess
    expect(ensemble?.[0]).toBeCloseTo(mean(single?.[0]), 3);
    expect(ensemble?.[1]).toBeCloseTo(mean(single?.[1]), 6);
    expect(ensemble?.[2]).toBeCloseTo(mean(single?.[2]), 5);
  });

  it('starts the head at the labels distribution: share returning, mean and spread of log spend', () => {
    // Prepare
    const labels = Float32Array.from([0, 0, Math.E, Math.E ** 3]);

    // Act
    const [logit, mu, sigmaRaw] = zilnInitialBias(labels);

    // Assess
    expect(sigmoid(logit)).toBeCloseTo(0.5, 6);
    expect(mu).toBeCloseTo(2, 5);
    expect(softplus(sigmaRaw)).toBeCloseTo(1, 5);
  });
});
