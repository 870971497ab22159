import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const PONG: APIGatewayProxyStructuredResultV2 = {
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"ok"}',
};

/**
 * `GET /ping` and `POST /ping` on the local stack only: an empty handler (no middleware, no I/O, the body
 * ignored) that the serving benchmark measures beside `POST /predict`, posting it the same body, so the
 * cost of the stack itself (HTTP server, event, worker) is known and the handler's own cost is the
 * difference. Not deployed: see serverless.yml.
 */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => PONG;
