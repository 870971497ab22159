import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Response = APIGatewayProxyStructuredResultV2;

function json(statusCode: number, body: unknown): Response {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function error(statusCode: number, code: string, message: string): Response {
  return json(statusCode, { error: { code, message } });
}

const modelRoutes = new Set(['POST /predict', 'GET /customers/{id}', 'GET /model']);

/**
 * Placeholder until serving lands (issue 5): `GET /health` answers, and every model route answers
 * what the API contract says while no champion model exists yet (503 NO_MODEL, with what to do).
 */
export const handler = middy<APIGatewayProxyEventV2, Response>().handler(async (event) => {
  if (event.routeKey === 'GET /health') return json(200, { status: 'ok' });
  if (modelRoutes.has(event.routeKey)) {
    return error(
      503,
      'NO_MODEL',
      'no model has been trained yet: upload order CSVs under uploads/<dataset>/ and run training',
    );
  }
  return error(404, 'NOT_FOUND', `no route ${event.routeKey}`);
});
