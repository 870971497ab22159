import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi } from '../lib/serving/api';
import { ApiError, errorResponse } from '../lib/serving/api-error';
import { resolveApiKey, type SecureParameterReader } from '../lib/serving/api-key';
import { ModelCache } from '../lib/serving/model-cache';
import { parseServingConfig } from '../lib/serving/serving-config';
import type { BlobStore } from '../lib/store/blob-store';
import { dataStore } from './shared/data-store';
import { countMetric, errorText, logger, METRIC, telemetry } from './shared/telemetry';

type Event = APIGatewayProxyEventV2;
type Response = APIGatewayProxyStructuredResultV2;

/** Headers on every response, errors included. */
const SECURITY_HEADERS = {
  'content-type': 'application/json',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function securityHeaders(): MiddlewareObj<Event, Response> {
  const apply = (request: { response: Response | undefined | null }) => {
    if (request.response) request.response.headers = { ...request.response.headers, ...SECURITY_HEADERS };
  };
  return { after: apply, onError: apply };
}

/** The one error mapper: ApiErrors answer as they say; anything else is logged and answered 500. */
function errorMapper(): MiddlewareObj<Event, Response> {
  return {
    onError: (request) => {
      const { error } = request;
      if (!(error instanceof ApiError)) {
        countMetric(METRIC.apiInternalError);
        logger.error('request failed', { route: request.event.routeKey, error: errorText(error) });
      }
      request.response = errorResponse(error);
    },
  };
}

let ssmReader: Promise<SecureParameterReader> | undefined;

/**
 * The SSM parameter reader, one per execution environment. Imported on first use: only a deployment that
 * keeps its API key in SSM pays for loading the SSM client at cold start.
 */
function ssm(): Promise<SecureParameterReader> {
  ssmReader ??= import('../lib/serving/ssm-parameter').then(({ ssmParameterReader }) => ssmParameterReader());
  return ssmReader;
}

/**
 * Build the predict handler over a store (the data bucket in Lambda, a directory in tests). The
 * configuration, the API key (from SSM when configured) and the model cache are set up by the first
 * request and live as long as the handler: at module scope, across warm invocations. A failed setup
 * (e.g. SSM unreachable) is not kept: that request answers 500 and the next one tries again.
 */
export function createHandler(
  store: () => BlobStore,
  env: NodeJS.ProcessEnv = process.env,
  parameterReader: () => Promise<SecureParameterReader> = ssm,
) {
  let api: Promise<(event: Event) => Promise<Response>> | undefined;
  const setUp = async () => {
    const config = parseServingConfig(env);
    const apiKey = await resolveApiKey(config, parameterReader);
    const cache = new ModelCache(store(), {
      refreshSeconds: config.refreshSeconds,
      onStaleServe: (dataset, error) =>
        logger.warn('champion refresh failed; serving the previous model', {
          dataset,
          error: errorText(error),
        }),
      onLoadFailed: (dataset, error, retryInMs) => {
        countMetric(METRIC.championLoadFailed);
        logger.error('champion not loaded', { dataset, error: errorText(error), retryInMs });
      },
      onLoaded: (dataset, modelVersion, durationMs) =>
        logger.info('champion loaded', { dataset, modelVersion, durationMs: Math.round(durationMs) }),
    });
    return createApi({ store: store(), cache, config: { ...config, apiKey } });
  };
  return middy<Event, Response>()
    .use(telemetry())
    .use(securityHeaders())
    .use(errorMapper())
    .handler(async (event) => {
      api ??= setUp().catch((e: unknown) => {
        api = undefined;
        throw e;
      });
      return (await api)(event);
    });
}

/** `POST /predict`, `GET /customers/{id}`, `GET /model`, `GET /health` (docs/contracts.md "HTTP API"). */
export const handler = createHandler(dataStore);
