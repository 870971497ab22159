import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Zero-inflated lognormal (ZILN) head of Wang, Liu & Miao (2019), as google/lifetime_value implements it:
 * the network emits three numbers per customer, [logit of returning, μ, σ_raw], with σ = softplus(σ_raw)
 * floored at √ε (Keras ε = 1e-7) so the lognormal density stays finite.
 */
export const ZILN_OUTPUTS = 3;
export const SIGMA_FLOOR = Math.sqrt(1e-7);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Shape of a dense network: hidden layer widths, weight decay, seed of every initializer. */
export interface NetworkShape {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly seed: number;
  /** L2 penalty on kernels (0 = none); added by the training loop, which owns the loss. */
  readonly l2: number;
}

/**
 * Dense ReLU layers ending in `outputs` linear units, every kernel seeded from `shape.seed` so a
 * fit is reproducible. Shared by the ZILN model and the MSE MLP.
 */
export function buildDenseNetwork(shape: NetworkShape, outputs: number): tfl.Sequential {
  const layers = [...shape.hidden, outputs].map((units, i) =>
    tfl.layers.dense({
      units,
      activation: i < shape.hidden.length ? 'relu' : 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: shape.seed * 101 + i }),
      biasInitializer: 'zeros',
      ...(i === 0 ? { inputShape: [shape.inputs] } : {}),
    }),
  );
  return tfl.sequential({ layers });
}

/**
 * The ZILN network: dense layers with the 3-unit head, whose biases start at the training labels'
 * own distribution (share returning, mean and spread of log spend) so the first epochs refine a
 * sensible model instead of climbing out of exp(0) = 1 currency unit.
 */
export function buildZilnNetwork(shape: NetworkShape, labels: Float32Array): tfl.Sequential {
  const network = buildDenseNetwork(shape, ZILN_OUTPUTS);
  const head = network.layers[network.layers.length - 1] as tfl.layers.Layer;
  // getWeights() hands out the live variables: keep the kernel, replace only the bias values.
  const [kernel] = head.getWeights();
  const bias = tf.tensor1d(zilnInitialBias(labels));
  head.setWeights([kernel as tf.Tensor, bias]);
  bias.dispose();
  return network;
}

/** [logit(share positive), mean log positive label, softplus⁻¹(std log positive label)]. */
export function zilnInitialBias(labels: Float32Array): [number, number, number] {
  let positives = 0;
  let sum = 0;
  let sumSq = 0;
  for (const y of labels) {
    if (y > 0) {
      const l = Math.log(y);
      positives++;
      sum += l;
      sumSq += l * l;
    }
  }
  const share = Math.min(1 - 1e-3, Math.max(1e-3, positives / Math.max(1, labels.length)));
  const mean = positives > 0 ? sum / positives : 0;
  const std = positives > 1 ? Math.sqrt(Math.max(0, sumSq / positives - mean * mean)) : 1;
  const sigma = Math.max(0.1, std);
  return [Math.log(share / (1 - share)), mean, Math.log(Math.expm1(sigma))];
}

/**
 * Mean ZILN loss over a batch: binary cross-entropy of "spends again" from the logit, plus, for the
 * customers who do spend, the lognormal negative log-likelihood of what they spend.
 * @param labels spend in the horizon (≥ 0), shape [n] or [n, 1]
 * @param logits network output, shape [n, 3]
 */
export function zilnLoss(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.reshape(labels, [-1, 1]);
    const positive = tf.cast(tf.greater(y, 0), 'float32');
    const [logit, mu, sigmaRaw] = tf.split(logits, ZILN_OUTPUTS, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    // Numerically stable sigmoid cross-entropy: max(x, 0) − x·z + log(1 + e^−|x|).
    const classification = tf.add(
      tf.sub(tf.relu(logit), tf.mul(logit, positive)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logit)))),
    );
    const sigma = tf.maximum(tf.softplus(sigmaRaw), SIGMA_FLOOR);
    // Zero labels get a dummy 1 so log() stays finite; their lognormal term is masked out anyway.
    const logY = tf.log(tf.add(tf.mul(positive, y), tf.sub(1, positive)));
    const nll = tf.addN([
      logY,
      tf.log(sigma),
      tf.fill(sigma.shape, HALF_LOG_2PI),
      tf.div(tf.square(tf.sub(logY, mu)), tf.mul(tf.square(sigma), 2)),
    ]);
    return tf.mean(tf.add(classification, tf.mul(positive, nll)));
  });
}

/**
 * Expected spend p·exp(μ + σ²/2) and p = P(spends again), with μ + σ²/2 capped at `maxLogMean` so an
 * outlier input cannot send exp() to Infinity: the value never exceeds exp(maxLogMean).
 * @param logits network output, shape [n, 3]
 */
export function zilnPredict(
  logits: tf.Tensor,
  maxLogMean: number,
): { value: tf.Tensor1D; pReturn: tf.Tensor1D } {
  return tf.tidy(() => {
    const [logit, mu, sigmaRaw] = tf.split(logits, ZILN_OUTPUTS, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const pReturn = tf.reshape(tf.sigmoid(logit), [-1]) as tf.Tensor1D;
    const sigma = tf.maximum(tf.softplus(sigmaRaw), SIGMA_FLOOR);
    const logMean = tf.reshape(tf.minimum(tf.add(mu, tf.mul(tf.square(sigma), 0.5)), maxLogMean), [-1]);
    return { value: tf.mul(pReturn, tf.exp(logMean)) as tf.Tensor1D, pReturn };
  });
}
