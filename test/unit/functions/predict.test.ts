import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import customerEvent from '../../../events/http-customer.json';
import healthEvent from '../../../events/http-health.json';
import predictEvent from '../../../events/http-predict.json';
import { createHandler } from '../../../functions/predict';
import { SEGMENTS } from '../../../lib/features/segments';
import { type BatchScores, parseBatchScores } from '../../../lib/serving/batch-scores';
import { ssmParameterReader } from '../../../lib/serving/ssm-parameter';
import { getText } from '../../../lib/store/blob-store';
import { predictionsKey } from '../../../lib/store/bucket-layout';
import { FsBlobStore } from '../../../lib/store/fs-store';
import {
  type TrainCustomerTableResult,
  trainCustomerTable,
} from '../../../lib/training/train-customer-table';
import { type TrainDatasetResult, trainDataset } from '../../../lib/training/train-dataset';
import { batchPrediction, postedCustomer } from '../../support/posted-customer';
import { generatedTable } from '../customer-table/generated-table';
import { shopTable } from '../training/shop-table';

const context = {} as Context;
type Handler = ReturnType<typeof createHandler>;

function postPredict(body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    ...(predictEvent as APIGatewayProxyEventV2),
    headers: { ...predictEvent.headers, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

function get(routeKey: string, query: Record<string, string>, id?: string): APIGatewayProxyEventV2 {
  return {
    ...(customerEvent as APIGatewayProxyEventV2),
    routeKey,
    queryStringParameters: query,
    pathParameters: id === undefined ? undefined : { id },
  };
}

/** The API answered each of `ids` (in order) with its row of the batch scores, outlook fields included. */
function expectBatchScores(predictions: unknown[], ids: string[], batch: BatchScores): void {
  expect(predictions).toEqual(ids.map((id) => batchPrediction(id, batch.byId.get(id))));
}

async function call(handler: Handler, event: APIGatewayProxyEventV2) {
  const response = await handler(event, context);
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(String(response.body)) };
}

describe('predict handler', () => {
  const table = shopTable(400);
  let root: string;
  let store: FsBlobStore;
  let trained: TrainDatasetResult;
  let handler: Handler;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'valuecast-predict-'));
    store = new FsBlobStore(root);
    trained = await trainDataset({
      store,
      dataset: 'shop',
      table,
      dataFingerprint: 'sha256:x',
      fit: { epochs: 2, members: 1 },
    });
    await store.put('uploads/untrained/orders.csv', 'order_id\n');
    handler = createHandler(() => store, { MAX_BATCH: '5', MAX_BODY_BYTES: '200000' });
  }, 120_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('answers GET /health with 200 and the security headers', async () => {
    // Act
    const { status, headers, body } = await call(handler, healthEvent as APIGatewayProxyEventV2);

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  it('predicts posted customers with the same numbers and deciles as the batch scores at the same asOf', async () => {
    // Prepare
    const batch = parseBatchScores((await getText(store, predictionsKey('shop', trained.version))) ?? '');
    const ids = [...batch.byId.keys()].filter((_, i) => i % 67 === 0).slice(0, 5);

    // Act
    const { status, body } = await call(
      handler,
      postPredict({ dataset: 'shop', customers: ids.map((id) => postedCustomer(table, id)) }),
    );

    // Assess
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      modelVersion: trained.version,
      horizonDays: trained.meta.horizonDays,
      asOf: trained.meta.asOf,
    });
    expectBatchScores(body.predictions, ids, batch);
  });

  it('ignores transactions at or after asOf', async () => {
    // Prepare
    const id = table.customerIds[0] as string;
    const customer = postedCustomer(table, id);
    const late = { date: '2999-01-01', amount: 1e6 };

    // Act
    const plain = await call(handler, postPredict({ dataset: 'shop', customers: [customer] }));
    const withLate = await call(
      handler,
      postPredict({
        dataset: 'shop',
        customers: [{ ...customer, transactions: [...customer.transactions, late] }],
      }),
    );

    // Assess
    expect(withLate.body.predictions).toEqual(plain.body.predictions);
  });

  it.each([
    [
      'a wrong type',
      { dataset: 'shop', customers: [{ id: 'c1', transactions: [{ date: '2011-01-02', amount: 'x' }] }] },
      'customers.0.transactions.0.amount',
    ],
    [
      'a bad date',
      { dataset: 'shop', customers: [{ id: 'c1', transactions: [{ date: '02/01/2011', amount: 1 }] }] },
      'customers.0.transactions.0.date',
    ],
    [
      'a day that does not exist',
      { dataset: 'shop', customers: [{ id: 'c1', transactions: [{ date: '2011-02-30', amount: 1 }] }] },
      'customers.0.transactions.0.date',
    ],
    [
      'an unknown field',
      { dataset: 'shop', customers: [{ id: 'c1', transactions: [], note: 'x' }] },
      'customers.0',
    ],
    [
      'no transaction before asOf',
      { dataset: 'shop', customers: [{ id: 'c1', transactions: [{ date: '2999-01-01', amount: 1 }] }] },
      'customers.0.transactions',
    ],
  ])('answers %s with 400 naming the field', async (_case, request, field) => {
    // Act
    const { status, body } = await call(handler, postPredict(request));

    // Assess
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
  });

  it.each([
    ['an amount of 1e308', { date: '2011-01-02', amount: 1e308 }, 'customers.0.transactions.1.amount'],
    [
      'an amount beyond the order limit',
      { date: '2011-01-02', amount: -2e9 },
      'customers.0.transactions.1.amount',
    ],
    ['a date before 1970', { date: '1969-12-31', amount: 5 }, 'customers.0.transactions.1.date'],
  ])('answers a transaction with %s with 400 naming the field, never 500', async (_case, bad, field) => {
    // Prepare: a real customer of the shop, plus one impossible order.
    const customer = postedCustomer(table, table.customerIds[1] as string);
    const request = {
      dataset: 'shop',
      customers: [{ ...customer, transactions: [customer.transactions[0], bad] }],
    };

    // Act
    const { status, body } = await call(handler, postPredict(request));

    // Assess
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
  });

  it('answers a transaction the features would read that is dated after now with 400 naming its date', async () => {
    // Prepare: asOf in the future, so the future order is before it and would be read.
    const customer = postedCustomer(table, table.customerIds[1] as string);
    const future = new Date(Date.now() + 86_400_000 * 30).toISOString().slice(0, 10);
    const request = {
      dataset: 'shop',
      asOf: new Date(Date.now() + 86_400_000 * 365).toISOString().slice(0, 10),
      customers: [{ ...customer, transactions: [...customer.transactions, { date: future, amount: 5 }] }],
    };

    // Act
    const { status, body } = await call(handler, postPredict(request));

    // Assess
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error.message).toMatch(
      new RegExp(`^customers\\.0\\.transactions\\.${customer.transactions.length}\\.date: is in the future`),
    );
  });

  it('answers 503 saying what to do, never 500, while champion.json is corrupt and no model was served', async () => {
    // Prepare: a dataset whose pointer was truncated (a half-written hand edit).
    await store.put('uploads/torn/orders.csv', 'order_id\n');
    await store.put('models/torn/champion.json', '{"version": "2026');
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    // Act
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await call(handler, get('GET /model', { dataset: 'torn' })));
    log.mockRestore();

    // Assess
    for (const { status, body } of answers) {
      expect(status).toBe(503);
      expect(body.error.code).toBe('MODEL_UNAVAILABLE');
      expect(body.error.message).toMatch(
        /champion\.json\) is corrupt: point it at a good version, or train the dataset/,
      );
    }
  });

  it('answers features sent to a transaction model with 400 saying it reads transactions', async () => {
    // Act
    const { status, body } = await call(
      handler,
      postPredict({ dataset: 'shop', customers: [{ id: 'c1', features: { Age: 30 } }] }),
    );

    // Assess
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^customers\.0\.features: this model reads transactions/);
  });

  it('answers malformed JSON with 400', async () => {
    // Act
    const { status, body } = await call(handler, postPredict('{"dataset":'));

    // Assess
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_JSON');
  });

  it('answers a batch over MAX_BATCH and a body over MAX_BODY_BYTES with 413', async () => {
    // Prepare
    const customers = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, transactions: [] }));

    // Act
    const batch = await call(handler, postPredict({ dataset: 'shop', customers }));
    const body = await call(
      handler,
      postPredict({ dataset: 'shop', customers: [{ id: 'x'.repeat(200_001), transactions: [] }] }),
    );

    // Assess
    expect([batch.status, batch.body.error.code]).toEqual([413, 'TOO_LARGE']);
    expect(batch.body.error.message).toMatch(/^customers:/);
    expect([body.status, body.body.error.code]).toEqual([413, 'TOO_LARGE']);
  });

  it('answers an unknown dataset with 404 and a dataset without a champion with 503 saying what to do', async () => {
    // Act
    const unknown = await call(handler, get('GET /model', { dataset: 'nowhere' }));
    const untrained = await call(
      handler,
      postPredict({ dataset: 'untrained', customers: [{ id: 'c', transactions: [] }] }),
    );

    // Assess
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_DATASET']);
    expect([untrained.status, untrained.body.error.code]).toEqual([503, 'NO_MODEL']);
    expect(untrained.body.error.message).toMatch(/run training/);
  });

  it('answers GET /model with the champion metadata and metrics', async () => {
    // Act
    const { status, body } = await call(handler, get('GET /model', { dataset: 'shop' }));

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({
      version: trained.version,
      horizonDays: trained.meta.horizonDays,
      asOf: trained.meta.asOf,
      promotion: { status: 'promoted' },
    });
    expect(body.evaluation.systems).toEqual(trained.meta.evaluation?.systems);
    // The shop total over the horizon with its 80% interval.
    expect(body.forecast).toEqual(trained.meta.forecast);
    expect(body.forecast.low).toBeLessThan(body.forecast.total);
    expect(body.forecast.high).toBeGreaterThan(body.forecast.total);
  });

  it("answers GET /model with the customers and money per segment, and the intervals' coverage", async () => {
    // Act
    const { status, body } = await call(handler, get('GET /model', { dataset: 'shop' }));

    // Assess: every scored customer in one segment; the interval judged on the validation window.
    expect(status).toBe(200);
    expect(body.segments.map((s: { segment: string }) => s.segment)).toEqual([...SEGMENTS]);
    const customers = body.segments.reduce((a: number, s: { customers: number }) => a + s.customers, 0);
    expect(customers).toBe(trained.meta.rows.scored);
    expect(body.evaluation.interval.customers).toBe(trained.meta.evaluation?.customers);
    expect(body.evaluation.interval.inside).toBeGreaterThan(0.5);
    expect(body.evaluation.tracking.actual.length).toBe(Math.ceil(trained.meta.horizonDays / 7));
  });

  it('answers GET /customers/{id} with the batch row, and 404 for an unknown customer', async () => {
    // Prepare
    const batch = parseBatchScores((await getText(store, predictionsKey('shop', trained.version))) ?? '');
    const [id, row] = [...batch.byId.entries()][3] ?? [];

    // Act
    const known = await call(handler, get('GET /customers/{id}', { dataset: 'shop' }, id));
    const unknown = await call(handler, get('GET /customers/{id}', { dataset: 'shop' }, 'nobody'));

    // Assess
    expect(known.status).toBe(200);
    expect(known.body).toMatchObject({ ...row, asOf: trained.meta.asOf });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_CUSTOMER']);
  });

  it('answers 400 naming the query field for a malformed dataset name', async () => {
    // Act
    const { status, body } = await call(handler, get('GET /model', { dataset: '../etc' }));

    // Assess
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^dataset:/);
  });

  it('requires x-api-key when API_KEY is set, but not for /health', async () => {
    // Prepare
    const key = 'k'.repeat(32);
    const guarded = createHandler(() => store, { API_KEY: key });
    const event = get('GET /model', { dataset: 'shop' });

    // Act
    const missing = await call(guarded, event);
    const wrong = await call(guarded, { ...event, headers: { 'x-api-key': 'nope' } });
    const right = await call(guarded, { ...event, headers: { 'x-api-key': key } });
    const health = await call(guarded, healthEvent as APIGatewayProxyEventV2);

    // Assess
    expect([missing.status, wrong.status, right.status, health.status]).toEqual([401, 401, 200, 200]);
  });

  it('reads the API key from SSM once per cold start, and retries a failed read on the next request', async () => {
    // Prepare: SSM cannot run here, so a fake client answers GetParameter (failing the first time).
    const key = 's'.repeat(24);
    const requested: unknown[] = [];
    const ssm = {
      send: async (command: GetParameterCommand) => {
        requested.push(command.input);
        if (requested.length === 1) throw new Error('ThrottlingException: Rate exceeded');
        return { $metadata: {}, Parameter: { Value: key } };
      },
    };
    const guarded = createHandler(
      () => store,
      { API_KEY_SSM_PARAMETER: '/valuecast/test/api-key' },
      async () => ssmParameterReader(ssm),
    );
    const event = get('GET /model', { dataset: 'shop' });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    // Act
    const failed = await call(guarded, { ...event, headers: { 'x-api-key': key } });
    const right = await call(guarded, { ...event, headers: { 'x-api-key': key } });
    const wrong = await call(guarded, { ...event, headers: { 'x-api-key': 'x'.repeat(24) } });
    const again = await call(guarded, { ...event, headers: { 'x-api-key': key } });
    log.mockRestore();

    // Assess
    expect([failed.status, right.status, wrong.status, again.status]).toEqual([500, 200, 401, 200]);
    expect(requested).toEqual([
      { Name: '/valuecast/test/api-key', WithDecryption: true },
      { Name: '/valuecast/test/api-key', WithDecryption: true },
    ]);
  });

  it('answers a real fault with 500 without internals, and logs it', async () => {
    // Prepare
    const broken = createHandler(() => {
      throw new Error('secret internals at /var/task');
    }, {});
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    // Act
    const { status, headers, body } = await call(broken, get('GET /model', { dataset: 'shop' }));

    // Assess
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toMatch(/secret|var\/task/);
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff' });
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/secret internals/));
    log.mockRestore();
  });
});

describe('predict handler with a customer-table model', () => {
  let dir: string;
  let csv: string[];
  let trained: TrainCustomerTableResult;
  let handler: Handler;

  /** A row of the uploaded table as a client posts it: `features` with the CSV's own text values. */
  function postedRow(line: number): { id: string; features: Record<string, string | null> } {
    const header = (csv[0] as string).split(',');
    const cells = (csv[line] as string).split(',');
    const features = Object.fromEntries(
      header.map((column, i) => [column, cells[i] === '' ? null : (cells[i] as string)]),
    );
    const { Customer_ID: id, Future_Value: _label, ...inputs } = features;
    return { id: id as string, features: inputs };
  }

  beforeAll(async () => {
    const generated = await generatedTable(400);
    dir = generated.dir;
    csv = (await readFile(generated.file, 'utf8')).trim().split('\n');
    const store = new FsBlobStore(dir);
    trained = await trainCustomerTable({
      store,
      dataset: 'crm',
      table: generated.table,
      dataFingerprint: 'sha256:crm',
      fit: { epochs: 2, members: 1 },
    });
    handler = createHandler(() => store, {});
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('predicts posted features with the same numbers and deciles as the batch scores', async () => {
    // Prepare
    const store = new FsBlobStore(dir);
    const batch = parseBatchScores((await getText(store, predictionsKey('crm', trained.version))) ?? '');
    const customers = [3, 50, 120, 333].map(postedRow);

    // Act
    const { status, body } = await call(handler, postPredict({ dataset: 'crm', customers }));

    // Assess
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ modelVersion: trained.version, horizonDays: null, asOf: trained.meta.asOf });
    expectBatchScores(
      body.predictions,
      customers.map((c) => c.id),
      batch,
    );
  });

  it.each([
    ['a number column given text', { Age: 'old' }, 'customers.1.features.Age'],
    ['an unknown column', { Shoe_Size: '42' }, 'customers.1.features.Shoe_Size'],
    ['a value of the wrong JSON type', { Age: true }, 'customers.1.features.Age'],
  ])('answers %s with 400 naming the field', async (_case, change, field) => {
    // Prepare
    const bad = postedRow(2);
    const customers = [postedRow(1), { ...bad, features: { ...bad.features, ...change } }];

    // Act
    const { status, body } = await call(handler, postPredict({ dataset: 'crm', customers }));

    // Assess
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REQUEST');
    expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
  });

  it('answers a number column of 1e308 with 400 naming the field, never 500', async () => {
    // Prepare
    const bad = postedRow(2);
    const customers = [postedRow(1), { ...bad, features: { ...bad.features, Age: 1e308 } }];
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    // Act
    const { status, body } = await call(handler, postPredict({ dataset: 'crm', customers }));
    log.mockRestore();

    // Assess
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error.message.startsWith('customers.1.features.Age:'), body.error.message).toBe(true);
  });

  it('tells a client that sends the other input kind which one the model reads', async () => {
    // Act
    const transactionsToTable = await call(
      handler,
      postPredict({
        dataset: 'crm',
        customers: [{ id: 'c1', transactions: [{ date: '2023-01-01', amount: 5 }] }],
      }),
    );
    const neither = await call(handler, postPredict({ dataset: 'crm', customers: [{ id: 'c1' }] }));

    // Assess
    expect([transactionsToTable.status, transactionsToTable.body.error.message]).toEqual([
      400,
      expect.stringMatching(/^customers\.0\.transactions: this model reads a customer table: send features/),
    ]);
    expect([neither.status, neither.body.error.message]).toEqual([
      400,
      expect.stringMatching(/^customers\.0\.transactions: is required/),
    ]);
  });
});
