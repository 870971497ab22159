import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { isCustomerTableMeta } from '../registry/model-meta';
import type { BlobStore } from '../store/blob-store';
import { datasetPrefixes, uploadsPrefix } from '../store/bucket-layout';
import { ApiError, type ApiResponse, jsonResponse, validationError } from './api-error';
import { apiKeyMatches } from './api-key';
import { ChampionUnavailableError, type ModelCache, NoChampionError } from './model-cache';
import { datasetName, predictCustomers, predictRequestSchema } from './predict-request';
import type { ServingConfig } from './serving-config';
import type { ServingModel } from './serving-model';

export interface ApiDeps {
  store: BlobStore;
  cache: ModelCache;
  config: ServingConfig;
}

const datasetQuery = z.object({ dataset: datasetName.default('default') });

/**
 * The prediction API's routes. Every failure is thrown as an ApiError (or is a real fault), so the
 * handler maps errors in one place.
 */
export function createApi(deps: ApiDeps): (event: APIGatewayProxyEventV2) => Promise<ApiResponse> {
  const predictSchema = predictRequestSchema({
    maxCustomers: deps.config.maxCustomers,
    maxTransactionsPerCustomer: deps.config.maxTransactionsPerCustomer,
  });

  return async (event) => {
    if (event.routeKey === 'GET /health') return jsonResponse(200, { status: 'ok' });
    checkApiKey(event, deps.config.apiKey);
    switch (event.routeKey) {
      case 'POST /predict': {
        const parsed = predictSchema.safeParse(parseBody(event, deps.config.maxBodyBytes));
        if (!parsed.success) throw validationError(parsed.error);
        const served = await champion(deps, parsed.data.dataset);
        return jsonResponse(200, predictCustomers(served, parsed.data));
      }
      case 'GET /model': {
        const { meta, version } = await champion(deps, queryDataset(event));
        return jsonResponse(200, {
          dataset: meta.dataset,
          version,
          createdAt: meta.createdAt,
          horizonDays: meta.horizonDays,
          asOf: meta.asOf,
          architecture: meta.architecture,
          rows: meta.rows,
          forecast: isCustomerTableMeta(meta) ? undefined : meta.forecast,
          notEvaluated: isCustomerTableMeta(meta) ? undefined : meta.notEvaluated,
          segments: isCustomerTableMeta(meta) ? undefined : meta.segments,
          evaluation: meta.evaluation,
          promotion: meta.promotion,
          flags: meta.flags ?? [],
        });
      }
      case 'GET /customers/{id}': {
        const id = event.pathParameters?.id ?? '';
        const served = await champion(deps, queryDataset(event));
        const row = served.batch.byId.get(id);
        if (!row)
          throw new ApiError(
            404,
            'UNKNOWN_CUSTOMER',
            `customer "${id}" is not in the batch scores of model ${served.version}`,
          );
        return jsonResponse(200, { ...row, horizonDays: served.meta.horizonDays, asOf: served.meta.asOf });
      }
      default:
        throw new ApiError(404, 'NOT_FOUND', `no route ${event.routeKey}`);
    }
  };
}

function checkApiKey(event: APIGatewayProxyEventV2, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  if (!apiKeyMatches(event.headers?.['x-api-key'], apiKey))
    throw new ApiError(401, 'UNAUTHORIZED', 'missing or wrong x-api-key header');
}

function parseBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  const raw = event.body ?? '';
  // Measured without copying: API Gateway passes text bodies as they are (base64 only for binary ones).
  const bytes = event.isBase64Encoded ? Buffer.byteLength(raw, 'base64') : Buffer.byteLength(raw, 'utf8');
  if (bytes > maxBytes)
    throw new ApiError(413, 'TOO_LARGE', `the body has ${bytes} bytes, more than the limit of ${maxBytes}`);
  if (bytes === 0) throw new ApiError(400, 'INVALID_REQUEST', 'body: a JSON object is required');
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw);
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'body: is not valid JSON');
  }
}

function queryDataset(event: APIGatewayProxyEventV2): string {
  const parsed = datasetQuery.safeParse({ dataset: event.queryStringParameters?.dataset });
  if (!parsed.success) throw validationError(parsed.error, 'query');
  return parsed.data.dataset;
}

/**
 * The served champion; 404 for a dataset nothing is known of, 503 while it has no champion yet, or while
 * its champion cannot be loaded and there is no earlier model to serve (the message says what to do).
 */
async function champion(deps: ApiDeps, dataset: string): Promise<ServingModel> {
  try {
    return await deps.cache.get(dataset);
  } catch (error) {
    if (error instanceof ChampionUnavailableError)
      throw new ApiError(
        503,
        'MODEL_UNAVAILABLE',
        `${error.message}; the API tries again in ${Math.max(1, Math.ceil(error.retryInMs / 1000))} s`,
      );
    if (!(error instanceof NoChampionError)) throw error;
    if (!(await datasetExists(deps.store, dataset)))
      throw new ApiError(
        404,
        'UNKNOWN_DATASET',
        `no dataset "${dataset}": upload order CSVs under ${uploadsPrefix(dataset)}, then train it`,
      );
    throw new ApiError(
      503,
      'NO_MODEL',
      `dataset "${dataset}" has no model yet: run training (valuecast-<stage>-train with {"dataset":"${dataset}"}) once its uploads are preprocessed`,
    );
  }
}

async function datasetExists(store: BlobStore, dataset: string): Promise<boolean> {
  for (const prefix of datasetPrefixes(dataset)) for await (const _ of store.list(prefix)) return true;
  return false;
}
