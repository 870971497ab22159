import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { applyCalibration, IDENTITY_CALIBRATION, type ValueCalibration } from './calibration';
import { type FeatureMatrix, featureColumn } from './feature-matrix';
import { FusedEnsemble } from './fused-ensemble';
import { mlpPredict } from './mlp';
import {
  calibratedMixture,
  type NetworkComponents,
  type SpendComponents,
  type SpendIntervals,
  type SpendMixture,
  spendIntervals,
} from './spend-distribution';
import { applyTransforms, assertSameColumns, type FeatureTransforms } from './transforms';
import { zilnComponentsOf, zilnPredict } from './ziln';

/** `ziln`: the default three-output lognormal model; `mlp`: the seed's MSE regressor (a baseline). */
export type Architecture = 'ziln' | 'mlp';

/** Everything besides the weights that serving needs to reproduce training's predictions (plain JSON). */
export interface ModelSpec {
  readonly architecture: Architecture;
  /** The feature columns, in the order the network reads them. */
  readonly featureNames: readonly string[];
  readonly transforms: FeatureTransforms;
  /** Predictions never exceed this: {@link GUARD_MULTIPLE} × the largest training label (at least 1). */
  readonly maxValue: number;
  /** The MLP learns label / labelScale; 1 for ZILN. */
  readonly labelScale: number;
  readonly hidden: readonly number[];
  /** Ensemble size (towers in the one network). */
  readonly members: number;
  /** Blend and money calibration fitted on held-out customers; absent = the network's own values. */
  readonly calibration?: ValueCalibration;
}

/** How far above the largest spend seen in training a prediction may go before it is capped. */
export const GUARD_MULTIPLE = 10;

/** What a fit reports about itself (kept in the saved model for meta.json and reports). */
export interface TrainingSummary {
  readonly backend: string;
  readonly seed: number;
  readonly epochs: readonly EpochLog[];
  /** 1-based epoch whose weights were kept (best validation loss; the last one without validation). */
  readonly bestEpoch: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly seconds: number;
}

export interface EpochLog {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss?: number;
  readonly seconds: number;
}

/** Per-customer output, aligned with the matrix's rows. */
export interface ValuePrediction {
  /** Expected spend in the horizon, ≥ 0 and finite. */
  readonly value: Float32Array;
  /** P(spends again in the horizon); `undefined` for the MLP, which does not model it. */
  readonly pReturn: Float32Array | undefined;
  /**
   * The ZILN members' own distributions behind `value` (before any calibration: TrainedModel.mixtureOf
   * carries them through it); absent for the MLP.
   */
  readonly components?: NetworkComponents;
}

const PREDICT_CHUNK = 65_536;
/**
 * Up to this many rows a chunk goes through the {@link FusedEnsemble} (fewer ops), above it through
 * `network.apply` (fewer FLOPs): `npx tsx bench/model.ts paths` measures both.
 */
export const FUSED_MAX_ROWS = 128;

/**
 * A fitted network plus its spec: predicts spend for feature matrices with the training columns.
 * The network's weights must not change afterwards: the fused copy for small batches is made here.
 */
export class TrainedModel {
  /**
   * @param fused the network as a {@link FusedEnsemble}; built from `network` and `spec` unless given
   * (a model derived from another one shares its fused copy, as it shares the network)
   * @throws UnexpectedNetworkLayoutError when the network is not the ensemble `spec` describes
   */
  constructor(
    readonly network: tfl.LayersModel,
    readonly spec: ModelSpec,
    readonly training: TrainingSummary | undefined,
    private readonly fused: FusedEnsemble = FusedEnsemble.fromNetwork(network, spec),
  ) {}

  get architecture(): Architecture {
    return this.spec.architecture;
  }

  get featureNames(): readonly string[] {
    return this.spec.featureNames;
  }

  /**
   * Predict every row, in chunks so 1M customers do not need one giant tensor.
   * @throws FeatureSchemaMismatchError when the matrix's columns are not the training columns
   */
  predict(features: FeatureMatrix): ValuePrediction {
    const raw = this.predictNetwork(features);
    return this.spec.calibration ? this.calibrated(features, raw) : raw;
  }

  /** The network's predictions through the spec's calibration (the members' distributions kept as they are). */
  private calibrated(features: FeatureMatrix, raw: ValuePrediction): ValuePrediction {
    const calibration = this.spec.calibration as ValueCalibration;
    const blend = calibration.blendColumn ? featureColumn(features, calibration.blendColumn) : undefined;
    return { ...raw, value: applyCalibration(calibration, raw.value, blend) };
  }

  /** The same model with a calibration in its spec (sharing the network: dispose only one of them). */
  withCalibration(calibration: ValueCalibration): TrainedModel {
    return new TrainedModel(this.network, { ...this.spec, calibration }, this.training, this.fused);
  }

  /**
   * The network's own predictions, before any calibration (what a calibration is fitted on); for ZILN with
   * the members' distributions, read from the same pass.
   */
  predictNetwork(features: FeatureMatrix): ValuePrediction {
    const { rows } = features;
    const value = new Float32Array(rows);
    if (this.spec.architecture !== 'ziln') {
      this.applyNetwork(features, (out, start) => {
        value.set(mlpPredict(out, this.spec.labelScale, this.spec.maxValue).dataSync(), start);
      });
      return { value, pReturn: undefined };
    }
    const pReturn = new Float32Array(rows);
    const members = this.spec.members;
    const components: NetworkComponents = {
      rows,
      members,
      p: new Float32Array(rows * members),
      mu: new Float32Array(rows * members),
      sigma: new Float32Array(rows * members),
    };
    const maxLogMean = Math.log(this.spec.maxValue);
    this.applyNetwork(features, (out, start) => {
      const ziln = zilnPredict(out, maxLogMean);
      value.set(ziln.value.dataSync(), start);
      pReturn.set(ziln.pReturn.dataSync(), start);
      // The members' distributions from the raw outputs in plain JS: for the API's one customer a dozen
      // more TF.js ops would cost more than the arithmetic.
      zilnComponentsOf(out.dataSync() as Float32Array, maxLogMean, components, start * members);
    });
    return { value, pReturn, components };
  }

  /**
   * The distribution behind a prediction of this model ({@link calibratedMixture}: the members' distributions
   * carried through the money calibration, the blend and the level as the value is); `blend` is the blend
   * column's distribution for the same rows (required when the calibration blends). `undefined` for the MSE
   * MLP, which has no distribution.
   */
  mixtureOf(prediction: ValuePrediction, blend?: SpendComponents): SpendMixture | undefined {
    const { components } = prediction;
    return components && calibratedMixture(components, this.spec.calibration ?? IDENTITY_CALIBRATION, blend);
  }

  /**
   * The 80% interval of each customer's spend from the model's own distribution ({@link mixtureOf});
   * `undefined` for the MSE MLP.
   * @throws FeatureSchemaMismatchError when the matrix's columns are not the training columns
   */
  predictInterval(features: FeatureMatrix, blend?: SpendComponents): SpendIntervals | undefined {
    const mixture = this.mixtureOf(this.predict(features), blend);
    return mixture && spendIntervals(mixture);
  }

  /**
   * The network's raw output for every row, in chunks so 1M customers do not need one giant tensor: `read`
   * gets each chunk's output and its first row, inside a tf.tidy.
   * @throws FeatureSchemaMismatchError when the matrix's columns are not the training columns
   */
  private applyNetwork(features: FeatureMatrix, read: (out: tf.Tensor, start: number) => void): void {
    assertSameColumns(this.spec.featureNames, features.names);
    const x = applyTransforms(this.spec.transforms, features);
    const { rows, cols } = features;
    for (let start = 0; start < rows; start += PREDICT_CHUNK) {
      const end = Math.min(rows, start + PREDICT_CHUNK);
      tf.tidy(() => {
        const input = tf.tensor2d(x.subarray(start * cols, end * cols), [end - start, cols]);
        read(
          end - start <= FUSED_MAX_ROWS ? this.fused.apply(input) : (this.network.apply(input) as tf.Tensor),
          start,
        );
      });
    }
  }

  /** Free the network's weights and their fused copy (tensors are not garbage collected). */
  dispose(): void {
    this.network.dispose();
    this.fused.dispose();
  }
}
