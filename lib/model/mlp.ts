import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildDenseNetwork, type NetworkShape } from './ziln';

/**
 * The seed design's regressor: dense ReLU layers (64-32 by default) to one linear unit, trained with
 * mean squared error. The network learns `label / labelScale` (the training labels' standard
 * deviation) so MSE gradients do not scale with the shop's currency; predictions are scaled back.
 */
export function buildMlpNetwork(
  shape: NetworkShape,
  labels: Float32Array,
  labelScale: number,
): tfl.LayersModel {
  let sum = 0;
  for (const y of labels) sum += y;
  // Start from the mean label, the best constant under MSE.
  return buildDenseNetwork(shape, [sum / Math.max(1, labels.length) / labelScale]);
}

/** The scale the MLP's output is in: the labels' standard deviation (1 if they are constant). */
export function mlpLabelScale(labels: Float32Array): number {
  let sum = 0;
  let sumSq = 0;
  for (const y of labels) {
    sum += y;
    sumSq += y * y;
  }
  const n = Math.max(1, labels.length);
  const std = Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2));
  return std > 0 ? std : 1;
}

/** Mean squared error of the scaled output ([n, members]) against `labels / labelScale`. */
export function mseLoss(labels: tf.Tensor, output: tf.Tensor, labelScale: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(output, tf.div(tf.reshape(labels, [-1, 1]), labelScale)))));
}

/**
 * Predicted spend: the members' mean output ([n, members]) scaled back, clipped to [0, maxValue]
 * (spend is never negative).
 */
export function mlpPredict(output: tf.Tensor, labelScale: number, maxValue: number): tf.Tensor1D {
  return tf.tidy(() => tf.clipByValue(tf.mul(tf.mean(output, 1), labelScale), 0, maxValue) as tf.Tensor1D);
}
