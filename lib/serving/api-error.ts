import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

export type ApiResponse = APIGatewayProxyStructuredResultV2;

/** A request the API answers with a client error (or 503): the status, a stable code and what to do. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** One field at fault: its path in the request (`customers.0.transactions.2.amount`) and the problem. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * A failed schema validation as an ApiError naming the first field at fault. Arrays over their size
 * limit (batch, transactions per customer) are 413, anything else 400.
 */
export function validationError(error: z.ZodError, where: 'body' | 'query' = 'body'): ApiError {
  const problems: FieldProblem[] = error.issues.slice(0, 10).map((issue) => ({
    field: issue.path.map(String).join('.') || where,
    problem: issue.message,
  }));
  const first = error.issues[0];
  const firstProblem = problems[0] ?? { field: where, problem: 'is invalid' };
  if (first?.code === 'too_big' && first.origin === 'array')
    return new ApiError(413, 'TOO_LARGE', `${firstProblem.field}: ${firstProblem.problem}`, problems);
  return new ApiError(400, 'INVALID_REQUEST', `${firstProblem.field}: ${firstProblem.problem}`, problems);
}

/** The JSON response of any error: ApiErrors as they say, anything else a 500 without internals. */
export function errorResponse(error: unknown): ApiResponse {
  if (error instanceof ApiError) {
    const body = { error: { code: error.code, message: error.message, details: error.details } };
    return jsonResponse(error.statusCode, body);
  }
  return jsonResponse(500, { error: { code: 'INTERNAL', message: 'internal error; it has been logged' } });
}

/** A JSON response (headers common to every response are added by the handler's middleware). */
export function jsonResponse(statusCode: number, body: unknown): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
