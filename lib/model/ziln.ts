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

/** Shape of a dense network: hidden layer widths, ensemble size, weight decay, seed of every initializer. */
export interface NetworkShape {
  readonly inputs: number;
  readonly hidden: readonly number[];
  /** Independent towers trained side by side in one network; predictions average over them. */
  readonly members: number;
  readonly seed: number;
  /** L2 penalty on kernels (0 = none); added by the training loop, which owns the loss. */
  readonly l2: number;
}

/**
 * `members` towers of dense ReLU layers, each ending in `headBias.length` linear units whose biases
 * start at `headBias`; the towers' heads are concatenated, so the output is
 * [n, members × headBias.length]. Every kernel is seeded from `shape.seed` (and the tower), so a fit is
 * reproducible. One network, not several, so an ensemble trains, saves and loads like a single model.
 * Shared by the ZILN model and the MSE MLP.
 */
export function buildDenseNetwork(shape: NetworkShape, headBias: readonly number[]): tfl.LayersModel {
  const input = tfl.input({ shape: [shape.inputs] });
  const heads: tfl.SymbolicTensor[] = [];
  const headLayers: tfl.layers.Layer[] = [];
  for (let member = 0; member < shape.members; member++) {
    let x = input;
    [...shape.hidden, headBias.length].forEach((units, i) => {
      const layer = tfl.layers.dense({
        units,
        activation: i < shape.hidden.length ? 'relu' : 'linear',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: shape.seed * 10_007 + member * 101 + i }),
        biasInitializer: 'zeros',
      });
      x = layer.apply(x) as tfl.SymbolicTensor;
      if (i === shape.hidden.length) headLayers.push(layer);
    });
    heads.push(x);
  }
  const output =
    heads.length === 1 ? (heads[0] as tfl.SymbolicTensor) : tfl.layers.concatenate().apply(heads);
  const network = tfl.model({ inputs: input, outputs: output as tfl.SymbolicTensor });
  const bias = tf.tensor1d([...headBias]);
  for (const head of headLayers) {
    // getWeights() hands out the live variables: keep the kernel, replace only the bias values.
    const [kernel] = head.getWeights();
    head.setWeights([kernel as tf.Tensor, bias]);
  }
  bias.dispose();
  return network;
}

/**
 * The ZILN network: dense towers with the 3-unit head, whose biases start at the training labels'
 * own distribution (share returning, mean and spread of log spend) so the first epochs refine a
 * sensible model instead of climbing out of exp(0) = 1 currency unit.
 */
export function buildZilnNetwork(shape: NetworkShape, labels: Float32Array): tfl.LayersModel {
  return buildDenseNetwork(shape, zilnInitialBias(labels));
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
 * customers who do spend, the lognormal negative log-likelihood of what they spend. An ensemble's
 * output ([n, 3 × members]) gives the mean of its members' losses.
 * @param labels spend in the horizon (≥ 0), shape [n] or [n, 1]
 * @param logits network output, shape [n, 3 × members]
 */
export function zilnLoss(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.reshape(labels, [-1, 1]);
    const positive = tf.cast(tf.greater(y, 0), 'float32');
    // Zero labels get a dummy 1 so log() stays finite; their lognormal term is masked out anyway.
    const logY = tf.log(tf.add(tf.mul(positive, y), tf.sub(1, positive)));
    const memberLosses = splitMembers(logits).map(([logit, mu, sigmaRaw]) => {
      // Numerically stable sigmoid cross-entropy: max(x, 0) − x·z + log(1 + e^−|x|).
      const classification = tf.add(
        tf.sub(tf.relu(logit), tf.mul(logit, positive)),
        tf.log1p(tf.exp(tf.neg(tf.abs(logit)))),
      );
      const sigma = tf.maximum(tf.softplus(sigmaRaw), SIGMA_FLOOR);
      const nll = tf.addN([
        logY,
        tf.log(sigma),
        tf.fill(sigma.shape, HALF_LOG_2PI),
        tf.div(tf.square(tf.sub(logY, mu)), tf.mul(tf.square(sigma), 2)),
      ]);
      return tf.mean(tf.add(classification, tf.mul(positive, nll)));
    });
    return tf.div(tf.addN(memberLosses), memberLosses.length) as tf.Scalar;
  });
}

/**
 * Expected spend p·exp(μ + σ²/2) and p = P(spends again), with μ + σ²/2 capped at `maxLogMean` so an
 * outlier input cannot send exp() to Infinity: the value never exceeds exp(maxLogMean). An
 * ensemble's output gives the mean of its members' values and probabilities.
 * @param logits network output, shape [n, 3 × members]
 */
export function zilnPredict(
  logits: tf.Tensor,
  maxLogMean: number,
): { value: tf.Tensor1D; pReturn: tf.Tensor1D } {
  return tf.tidy(() => {
    // All members at once ([n, members] per output): a dozen ops whatever the ensemble size, instead of a
    // dozen per member; for one customer the per-op overhead of TF.js is most of the cost.
    const { members, logit, mu, sigmaRaw } = memberOutputs(logits);
    const pReturn = tf.sigmoid(logit);
    const sigma = tf.maximum(tf.softplus(sigmaRaw), SIGMA_FLOOR);
    const logMean = tf.minimum(tf.add(mu, tf.mul(tf.square(sigma), 0.5)), maxLogMean);
    const mean = (x: tf.Tensor) => tf.div(tf.sum(x, 1), members) as tf.Tensor1D;
    return { value: mean(tf.mul(pReturn, tf.exp(logMean))), pReturn: mean(pReturn) };
  });
}

/**
 * Each member's own distribution from raw network outputs already read into memory (rows of [logit, μ,
 * σ_raw] per member): P(spends again) = sigmoid(logit), σ = softplus(σ_raw) floored as {@link zilnPredict}
 * floors it, and μ lowered where μ + σ²/2 exceeds `maxLogMean` (the cap zilnPredict puts on the mean), so the
 * members' mixture has exactly the predicted mean; written into `into` from component `at` on.
 */
export function zilnComponentsOf(
  outputs: Float32Array,
  maxLogMean: number,
  into: { p: Float32Array; mu: Float32Array; sigma: Float32Array },
  at: number,
): void {
  for (let k = 0; k < outputs.length / ZILN_OUTPUTS; k++) {
    const logit = outputs[ZILN_OUTPUTS * k] as number;
    const mu = outputs[ZILN_OUTPUTS * k + 1] as number;
    const raw = outputs[ZILN_OUTPUTS * k + 2] as number;
    // softplus(x) = log(1 + e^x), stable for large x.
    const sigma = Math.max(raw > 30 ? raw : Math.log1p(Math.exp(raw)), SIGMA_FLOOR);
    const halfVariance = 0.5 * sigma * sigma;
    into.p[at + k] = 1 / (1 + Math.exp(-logit));
    into.mu[at + k] = Math.min(mu + halfVariance, maxLogMean) - halfVariance;
    into.sigma[at + k] = sigma;
  }
}

/** The logit, μ and σ_raw outputs of every member of a [n, 3 × members] output, each [n, members]. */
function memberOutputs(logits: tf.Tensor): {
  members: number;
  logit: tf.Tensor2D;
  mu: tf.Tensor2D;
  sigmaRaw: tf.Tensor2D;
} {
  const width = logits.shape[1] ?? ZILN_OUTPUTS;
  if (width % ZILN_OUTPUTS !== 0) throw new Error(`ZILN output has ${width} columns, not a multiple of 3`);
  const members = width / ZILN_OUTPUTS;
  const [logit, mu, sigmaRaw] = tf
    .split(tf.reshape(logits, [-1, members, ZILN_OUTPUTS]), ZILN_OUTPUTS, 2)
    .map((t) => tf.reshape(t, [-1, members])) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return { members, logit, mu, sigmaRaw };
}

/** [logit, μ, σ_raw] columns of each member of a [n, 3 × members] output. */
function splitMembers(logits: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor][] {
  const width = logits.shape[1] ?? ZILN_OUTPUTS;
  if (width % ZILN_OUTPUTS !== 0) throw new Error(`ZILN output has ${width} columns, not a multiple of 3`);
  return Array.from(
    { length: width / ZILN_OUTPUTS },
    (_, m) =>
      tf.split(tf.slice(logits, [0, m * ZILN_OUTPUTS], [-1, ZILN_OUTPUTS]), ZILN_OUTPUTS, 1) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ],
  );
}
