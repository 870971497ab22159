import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import customer from '../../../events/http-customer.json';
import health from '../../../events/http-health.json';
import predict from '../../../events/http-predict.json';
import { handler } from '../../../functions/predict';

const context = {} as Context;

describe('predict handler (before serving exists)', () => {
  it('answers GET /health with 200 ok', async () => {
    // Act
    const response = await handler(health as APIGatewayProxyEventV2, context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ status: 'ok' });
  });

  it.each([
    ['POST /predict', predict],
    ['GET /customers/{id}', customer],
  ])('answers %s with 503 NO_MODEL and what to do', async (_route, event) => {
    // Act
    const response = await handler(event as APIGatewayProxyEventV2, context);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    const body = JSON.parse(String(response.body));
    expect(body.error.code).toBe('NO_MODEL');
    expect(body.error.message).toContain('uploads/<dataset>/');
  });
});
