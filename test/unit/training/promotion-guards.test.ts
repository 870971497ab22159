import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import modelEvent from '../../../events/http-customer.json';
import { createHandler } from '../../../functions/predict';
import { readChampion } from '../../../lib/registry/champion';
import { readMeta } from '../../../lib/registry/model-meta';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { DAY_MS } from '../../../lib/time';
import { fitValueModel } from '../../../lib/training/fit-value-model';
import { trainDataset } from '../../../lib/training/train-dataset';
import { shopTable } from './shop-table';

const FAST_FIT = { epochs: 2, members: 1 };

/** A fit whose predictions belong to other customers: it ranks no better than chance. */
const misassignedFit: typeof fitValueModel = async (table, asOf, options) => {
  const fit = await fitValueModel(table, asOf, options);
  const customers = Int32Array.from(fit.scoring.customers).reverse();
  return { ...fit, scoring: { ...fit.scoring, customers } };
};

/** A fit whose model predicts NaN for its first customer (a numeric blow-up in the network or calibration). */
const nanFit: typeof fitValueModel = async (table, asOf, options) => {
  const fit = await fitValueModel(table, asOf, options);
  const predict = fit.model.predict.bind(fit.model);
  fit.model.predict = (features) => {
    const prediction = predict(features);
    prediction.value[0] = Number.NaN;
    return prediction;
  };
  return fit;
};

describe('promotion guards', () => {
  let root: string;
  let store: FsBlobStore;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'valuecast-guards-'));
    store = new FsBlobStore(root);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trains a dataset in which one customer has orders of 1e308 (built past ingest), for everyone else too', async () => {
    // Prepare: a shop plus one customer whose two orders no ingest would accept.
    const last = Math.max(...shopTable(300).time);
    const table = shopTable(300, 7, {}, (builder) => {
      for (const daysBack of [400, 30])
        builder.add({ customerId: 'absurd', time: last - daysBack * DAY_MS, amount: 1e308 });
    });

    // Act
    const trained = await trainDataset({
      store,
      dataset: 'absurd',
      table,
      dataFingerprint: 'sha256:absurd',
      fit: FAST_FIT,
    });

    // Assess
    expect(trained.meta.rows.scored).toBe(table.customerIds.length);
    expect(table.customerIds).toContain('absurd');
    expect(Number.isFinite(trained.metrics?.gini)).toBe(true);
  });

  it('never promotes a model with a non-finite prediction, even when there is no champion', async () => {
    // Act
    const trained = await trainDataset(
      { store, dataset: 'nan', table: shopTable(300), dataFingerprint: 'sha256:nan', fit: FAST_FIT },
      { fitValueModel: nanFit },
    );

    // Assess
    expect(trained.promoted).toBe(false);
    expect(trained.reason).toMatch(
      /^not promoted: 1 predicted value\(s\) of \d+ customers are not finite numbers/,
    );
    expect(await readChampion(store, 'nan')).toBeUndefined();
    expect((await readMeta(store, 'nan', trained.version))?.promotion.status).toBe('not_promoted');
  });

  it('flags a first model that ranks worse than the last-window baseline in meta.json, report.html and GET /model', async () => {
    // Act
    const trained = await trainDataset(
      { store, dataset: 'weak', table: shopTable(300), dataFingerprint: 'sha256:weak', fit: FAST_FIT },
      { fitValueModel: misassignedFit },
    );
    const report = await getText(store, trained.reportKey);
    const model = await createHandler(() => store, {})(
      {
        ...(modelEvent as APIGatewayProxyEventV2),
        routeKey: 'GET /model',
        queryStringParameters: { dataset: 'weak' },
      },
      {} as Context,
    );

    // Assess: promoted (something must serve), but flagged everywhere a person looks.
    expect(trained.promoted).toBe(true);
    const flag = {
      code: 'ranks_below_baseline',
      message: expect.stringMatching(/worse than the last_window baseline/),
    };
    expect((await readMeta(store, 'weak', trained.version))?.flags).toEqual([flag]);
    expect(report).toMatch(
      /class="status flagged"><strong>Flagged<\/strong> ranks customers worse than the last_window baseline/,
    );
    expect(JSON.parse(String(model.body)).flags).toEqual([flag]);
  });
});
