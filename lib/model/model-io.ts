import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as z from 'zod';
import { BlobNotFoundError, type BlobStore, getJson } from '../store/blob-store';
import { MODEL_FILE, modelFileKey, WEIGHTS_FILE } from '../store/bucket-layout';
import { UnexpectedNetworkLayoutError } from './fused-ensemble';
import { initBackend } from './tf-backend';
import { TrainedModel, type TrainingSummary } from './value-model';

/**
 * Layout under a prefix (file names and keys: lib/store/bucket-layout.ts): `<prefix>/model.json` is a standard TF.js layers-model JSON (topology +
 * weights manifest, loadable by `tf.loadLayersModel`), whose `userDefinedMetadata.valuecast` holds the
 * {@link ModelSpec} (architecture, feature names and order, transforms, prediction guard) and the
 * training summary; `<prefix>/weights.bin` holds the weights. One file carries everything serving
 * needs, so the spec and the weights cannot drift apart.
 */

/** model.json exists but is not a valuecast model this code can read. */
export class InvalidModelError extends Error {
  constructor(key: string, reason: string) {
    super(`${key} is not a valuecast model: ${reason}`);
    this.name = 'InvalidModelError';
  }
}

const specSchema = z.object({
  architecture: z.enum(['ziln', 'mlp']),
  featureNames: z.array(z.string()).min(1),
  transforms: z.object({
    version: z.literal(1),
    columns: z.array(
      z.object({ name: z.string(), log: z.boolean(), mean: z.number(), std: z.number().positive() }),
    ),
  }),
  maxValue: z.number().positive(),
  labelScale: z.number().positive(),
  hidden: z.array(z.number().int().positive()),
  members: z.number().int().positive(),
  calibration: z
    .object({
      blendColumn: z.string().optional(),
      blendWeight: z.number().min(0).max(1),
      x: z.array(z.number().positive()).min(1),
      y: z.array(z.number().positive()).min(1),
      levelFactor: z.number().positive().optional(),
    })
    .optional(),
});

const metadataSchema = z.object({
  valuecast: z.object({ spec: specSchema, training: z.unknown().optional() }),
});

const modelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.unknown()) })).length(1),
  userDefinedMetadata: metadataSchema,
});

/** Write `<prefix>/weights.bin`, then `<prefix>/model.json` (last, so a reader never sees JSON without weights). */
export async function saveModel(model: TrainedModel, store: BlobStore, prefix: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.network.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('TF.js saved no weights');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const modelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { valuecast: { spec: model.spec, training: model.training } },
  };
  await store.put(modelFileKey(prefix, WEIGHTS_FILE), weights, { contentType: 'application/octet-stream' });
  await store.put(modelFileKey(prefix, MODEL_FILE), JSON.stringify(modelJson), {
    contentType: 'application/json',
  });
}

/**
 * Load a model written by {@link saveModel}; initialises the TF.js backend first.
 * @throws BlobNotFoundError when model.json or weights.bin is missing, {@link InvalidModelError} when
 * model.json is not one of ours (also when its network is not the ensemble its spec describes)
 */
export async function loadModel(store: BlobStore, prefix: string): Promise<TrainedModel> {
  await initBackend();
  const jsonKey = modelFileKey(prefix, MODEL_FILE);
  const raw = await getJson<unknown>(store, jsonKey);
  if (raw === undefined) throw new BlobNotFoundError(jsonKey);
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidModelError(jsonKey, parsed.error.issues[0]?.message ?? 'bad shape');
  const modelJson = parsed.data;
  const manifest = modelJson.weightsManifest[0] as { paths: string[]; weights: unknown[] };
  const weightsKey = modelFileKey(prefix, manifest.paths[0] ?? WEIGHTS_FILE);
  const weights = await store.get(weightsKey);
  if (weights === undefined) throw new BlobNotFoundError(weightsKey);
  const { spec, training } = modelJson.userDefinedMetadata.valuecast;
  const network = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: manifest.weights as tf.io.WeightsManifestEntry[],
      // Copy out the exact byte range: a Buffer may be a view into a larger shared pool.
      weightData: weights.slice().buffer,
    }),
  );
  try {
    return new TrainedModel(network, spec, training as TrainingSummary | undefined);
  } catch (e: unknown) {
    network.dispose();
    if (e instanceof UnexpectedNetworkLayoutError) throw new InvalidModelError(jsonKey, e.message);
    throw e;
  }
}
