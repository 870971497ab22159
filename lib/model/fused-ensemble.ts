import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The network is not the dense ensemble {@link FusedEnsemble} knows how to fuse. */
export class UnexpectedNetworkLayoutError extends Error {
  constructor(reason: string) {
    super(`the network is not a dense ensemble of buildDenseNetwork: ${reason}`);
    this.name = 'UnexpectedNetworkLayoutError';
  }
}

/** What the network is expected to be: `members` towers of Dense layers `hidden` wide, then a linear head. */
export interface EnsembleLayout {
  readonly hidden: readonly number[];
  readonly members: number;
}

/**
 * The ensemble of `buildDenseNetwork` (./ziln) as one fused matMul (with bias and activation) per depth:
 * the first layer's kernels side by side (every member reads the same input), each deeper layer's
 * kernels on a block diagonal, so the output has the network's column order, [n, members × head].
 * For a few rows TF.js's cost is per op, not per FLOP: this is 3 ops where `network.apply` runs ~15
 * (and through the Layers machinery); the price is `members`× the FLOPs in the deeper layers, so large
 * batches are better served by `network.apply` (`FUSED_MAX_ROWS` in ./value-model). The zeros off the
 * diagonal only add products with 0, so on wasm the output is bit-identical to `network.apply`'s.
 *
 * A snapshot of the weights when it is built: build it after training has finished.
 */
export class FusedEnsemble {
  private constructor(
    private readonly kernels: readonly tf.Tensor2D[],
    private readonly biases: readonly tf.Tensor1D[],
  ) {}

  /**
   * Fuse `network`, whose towers are found by walking its graph back from the output (not from the
   * order of its layer list) and checked against `layout`.
   * @throws {@link UnexpectedNetworkLayoutError} when the network does not have that shape
   */
  static fromNetwork(network: tfl.LayersModel, layout: EnsembleLayout): FusedEnsemble {
    const towers = memberTowers(network, layout);
    const depth = layout.hidden.length + 1;
    const fused = tf.tidy(() => {
      const kernels: tf.Tensor2D[] = [];
      const biases: tf.Tensor1D[] = [];
      for (let d = 0; d < depth; d++) {
        const weights = towers.map((tower) => (tower[d] as tfl.layers.Layer).getWeights());
        const memberKernels = weights.map(([kernel]) => kernel as tf.Tensor2D);
        const units = memberKernels[0]?.shape[1] ?? 0;
        kernels.push(
          d === 0
            ? tf.concat(memberKernels, 1)
            : tf.concat(
                memberKernels.map((kernel, m) =>
                  tf.pad(kernel, [
                    [0, 0],
                    [m * units, (layout.members - 1 - m) * units],
                  ]),
                ),
                0,
              ),
        );
        biases.push(tf.concat(weights.map(([, bias]) => bias as tf.Tensor1D)));
      }
      return { kernels, biases };
    });
    return new FusedEnsemble(fused.kernels, fused.biases);
  }

  /** The network's output for `x` ([n, inputs]): [n, members × head units]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() =>
      this.kernels.reduce(
        (h, kernel, d) =>
          tf.fused.matMul({
            a: h,
            b: kernel,
            bias: this.biases[d],
            activation: d < this.kernels.length - 1 ? 'relu' : 'linear',
          }) as tf.Tensor2D,
        x,
      ),
    );
  }

  dispose(): void {
    tf.dispose([...this.kernels, ...this.biases]);
  }
}

/**
 * The Dense layers of each member, input side first, in the order the output concatenates the members.
 * A single tower ends in its head; an ensemble ends in a Concatenate of the members' heads.
 */
function memberTowers(network: tfl.LayersModel, layout: EnsembleLayout): tfl.layers.Layer[][] {
  if (network.inputs.length !== 1 || network.outputLayers.length !== 1) {
    throw new UnexpectedNetworkLayoutError(
      `${network.inputs.length} inputs and ${network.outputLayers.length} outputs, not 1 and 1`,
    );
  }
  const output = network.outputLayers[0] as tfl.layers.Layer;
  const heads = layout.members === 1 ? [output] : inboundLayers(output);
  if (layout.members > 1 && output.getClassName() !== 'Concatenate') {
    throw new UnexpectedNetworkLayoutError(
      `${layout.members} members end in ${output.getClassName()}, not Concatenate`,
    );
  }
  if (heads.length !== layout.members) {
    throw new UnexpectedNetworkLayoutError(`${heads.length} towers, the spec says ${layout.members}`);
  }
  const headUnits = denseConfig(heads[0] as tfl.layers.Layer).units;
  const expected = [...layout.hidden, headUnits];
  return heads.map((head, member) => {
    const tower: tfl.layers.Layer[] = [];
    let layer = head;
    while (layer.getClassName() !== 'InputLayer') {
      tower.unshift(layer);
      const [previous, ...others] = inboundLayers(layer);
      if (!previous || others.length > 0) {
        throw new UnexpectedNetworkLayoutError(`${layer.name} does not read exactly one layer`);
      }
      layer = previous;
    }
    if (tower.length !== expected.length) {
      throw new UnexpectedNetworkLayoutError(
        `member ${member} has ${tower.length} layers, the spec says ${expected.length}`,
      );
    }
    tower.forEach((dense, d) => {
      const { units, activation } = denseConfig(dense);
      const wanted = d < layout.hidden.length ? 'relu' : 'linear';
      if (units !== expected[d] || activation !== wanted) {
        throw new UnexpectedNetworkLayoutError(
          `member ${member} layer ${d} (${dense.name}) is ${units} units, ${activation}; expected ${expected[d]} units, ${wanted}`,
        );
      }
    });
    return tower;
  });
}

function inboundLayers(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  if (layer.inboundNodes.length !== 1) {
    throw new UnexpectedNetworkLayoutError(`${layer.name} is used ${layer.inboundNodes.length} times`);
  }
  return (layer.inboundNodes[0] as (typeof layer.inboundNodes)[number]).inboundLayers;
}

function denseConfig(layer: tfl.layers.Layer): { units: number; activation: string } {
  const config = layer.getConfig();
  if (layer.getClassName() !== 'Dense' || config.useBias !== true) {
    throw new UnexpectedNetworkLayoutError(
      `${layer.name} is ${layer.getClassName()}, not a Dense layer with bias`,
    );
  }
  return { units: Number(config.units), activation: String(config.activation) };
}
