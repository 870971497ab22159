import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metrics } from '../../../lib/evaluate/metrics';
import { decidePromotion, readChampion } from '../../../lib/registry/champion';
import { isCustomerTableMeta, readMeta, type TransactionModelMeta } from '../../../lib/registry/model-meta';
import { loadChampionModel } from '../../../lib/registry/model-versions';
import { PREDICTIONS_HEADER } from '../../../lib/registry/predictions-csv';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { fitValueModel } from '../../../lib/training/fit-value-model';
import { scoreCustomers } from '../../../lib/training/score-customers';
import {
  InsufficientHistoryError,
  MODEL_SYSTEM,
  SEED_MLP_SYSTEM,
  type TrainDatasetResult,
  trainDataset,
} from '../../../lib/training/train-dataset';
import { shopTable } from './shop-table';

const FAST_FIT = { epochs: 2, members: 1 };

/** A fit whose predictions belong to other customers: as bad as a model trained on shuffled labels. */
const misassignedFit: typeof fitValueModel = async (table, asOf, options) => {
  const fit = await fitValueModel(table, asOf, options);
  const customers = Int32Array.from(fit.scoring.customers).reverse();
  return { ...fit, scoring: { ...fit.scoring, customers } };
};

describe('trainDataset', () => {
  const table = shopTable(600);
  let root: string;
  let store: FsBlobStore;
  let first: TrainDatasetResult;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'valuecast-train-dataset-'));
    store = new FsBlobStore(root);
    first = await trainDataset({
      store,
      dataset: 'shop',
      table,
      dataFingerprint: 'sha256:first',
      fit: FAST_FIT,
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the model, meta.json and predictions.csv, and promotes the first model', async () => {
    // Assess
    const files = ['model.json', 'weights.bin', 'meta.json', 'predictions.csv', 'report.html'];
    for (const file of files) expect(await store.head(`${first.prefix}/${file}`), file).toBeDefined();
    expect(first).toMatchObject({ promoted: true, reason: 'no champion yet' });
    expect((await readChampion(store, 'shop'))?.pointer).toMatchObject({
      version: first.version,
      gini: first.metrics?.gini,
    });
  });

  it('writes one predictions.csv line per customer with the contract header and balanced deciles', async () => {
    // Act
    const csv = (await getText(store, `${first.prefix}/predictions.csv`)) ?? '';

    // Assess
    const [header, ...lines] = csv.trimEnd().split('\n');
    expect(header).toBe(PREDICTIONS_HEADER);
    expect(lines).toHaveLength(first.meta.rows.scored);
    const rows = lines.map((l) => l.split(','));
    const perDecile = new Map<number, number[]>();
    for (const [, value, pReturn, decile, version] of rows) {
      expect(version).toBe(first.version);
      expect(Number(pReturn)).toBeGreaterThanOrEqual(0);
      expect(Number(pReturn)).toBeLessThanOrEqual(1);
      perDecile.set(Number(decile), [...(perDecile.get(Number(decile)) ?? []), Number(value)]);
    }
    expect([...perDecile.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const values of perDecile.values())
      expect(values.length).toBeLessThanOrEqual(Math.ceil(lines.length / 10));
    const top = perDecile.get(1) ?? [];
    const bottom = perDecile.get(10) ?? [];
    expect(Math.min(...top)).toBeGreaterThanOrEqual(Math.max(...bottom));
  });

  it('records features, evaluation of every system, promotion, fingerprint and durations in meta.json', async () => {
    // Act
    const meta = (await readMeta(store, 'shop', first.version)) as TransactionModelMeta;

    // Assess
    expect(meta).toMatchObject({
      inputKind: 'transactions',
      dataset: 'shop',
      version: first.version,
      horizonDays: 90,
      dataFingerprint: 'sha256:first',
      promotion: { status: 'promoted', reason: 'no champion yet' },
    });
    expect(meta.featureNames).toContain('bgnbd_gg_expected_spend');
    expect(meta.featureSpec.categoryLevels.country).toContain('Germany');
    expect(Object.keys(meta.evaluation?.systems ?? {})).toEqual([
      MODEL_SYSTEM,
      SEED_MLP_SYSTEM,
      'bgnbd_gammagamma',
      'linear',
      'last_window',
    ]);
    expect(meta.evaluation?.systems[MODEL_SYSTEM]?.gini).toBe(first.metrics?.gini);
    expect(
      Date.parse(meta.evaluation?.window.to ?? '') - Date.parse(meta.evaluation?.window.from ?? ''),
    ).toBe(90 * 86_400_000);
    expect(meta.evaluation?.window.to).toBe(meta.asOf);
    expect(Object.keys(meta.durations)).toEqual(
      expect.arrayContaining(['evaluate', 'fit', 'score', 'write', 'promote']),
    );
    expect(meta.backend).toMatch(/^(wasm|cpu)$/);
    expect(meta.valueCalibration).toMatchObject({ blendColumn: 'bgnbd_gg_expected_spend' });
    expect([0.5, 1]).toContain(meta.valueCalibration?.blendWeight);
    expect(meta.valueCalibration?.knots).toBeGreaterThan(0);
  });

  it('scores the same predictions from the champion as the batch predictions', async () => {
    // Prepare
    const champion = await loadChampionModel(store, 'shop');
    const { meta } = champion;
    if (isCustomerTableMeta(meta)) throw new Error('the champion is not a transaction model');

    // Act
    const scored = await scoreCustomers(champion.model, meta.featureSpec, table, Date.parse(meta.asOf));

    // Assess
    const csv = (await getText(store, `${first.prefix}/predictions.csv`)) ?? '';
    const batch = csv
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(scored.customerIds).toEqual(batch.map((r) => r[0]));
    batch.forEach((r, i) => {
      expect(scored.value[i]).toBeCloseTo(Number(r[1]), 3);
    });
    champion.model.dispose();
  });

  it('keeps the champion when a worse model comes along, and records why', async () => {
    // Act
    const worse = await trainDataset(
      { store, dataset: 'shop', table, dataFingerprint: 'sha256:second', fit: FAST_FIT },
      { fitValueModel: misassignedFit },
    );

    // Assess
    expect(worse.promoted).toBe(false);
    expect(worse.reason).toMatch(/below the champion/);
    expect((await readChampion(store, 'shop'))?.pointer.version).toBe(first.version);
    const meta = (await readMeta(store, 'shop', worse.version)) as TransactionModelMeta;
    expect(meta.promotion).toEqual({
      status: 'not_promoted',
      reason: worse.reason,
      previousChampion: first.version,
    });
    expect(meta.evaluation?.champion).toMatchObject({ version: first.version, basis: 'recorded' });
    expect(meta.evaluation?.champion?.note).toMatch(/in-sample/);
    expect(meta.evaluation?.champion?.metrics.gini).toBeGreaterThan(worse.metrics?.gini as number);
  });

  it('re-scores on the same window a champion trained before that window, and decides against it', async () => {
    // Prepare
    const asOf = Date.parse(first.meta.asOf);
    const older = await trainDataset({
      store,
      dataset: 'growing',
      table,
      dataFingerprint: 'sha256:older',
      asOf: asOf - 90 * 86_400_000,
      fit: FAST_FIT,
    });

    // Act
    const newer = await trainDataset({
      store,
      dataset: 'growing',
      table,
      dataFingerprint: 'sha256:newer',
      fit: FAST_FIT,
    });

    // Assess
    const champion = newer.meta.evaluation?.champion;
    expect(champion).toMatchObject({ version: older.version, basis: 'evaluated' });
    const expected = decidePromotion(newer.metrics as Metrics, champion?.metrics).promoted;
    expect(newer.promoted).toBe(expected);
    expect((await readChampion(store, 'growing'))?.pointer.version).toBe(
      expected ? newer.version : older.version,
    );
  });

  it('trains on a history shorter than two horizons without an out-of-time evaluation, and says so', async () => {
    // Act: two years of data and a 400-day horizon: one labelled window to learn from, none to judge on.
    const young = await trainDataset({
      store,
      dataset: 'young',
      table,
      dataFingerprint: 'sha256:young',
      horizonDays: 400,
      fit: FAST_FIT,
    });

    // Assess: promoted (no champion), flagged in meta.json, the pointer and the report.
    const meta = young.meta;
    expect(meta.evaluation).toBeUndefined();
    expect(meta.notEvaluated?.reason).toMatch(/less than two 400-day horizons/);
    expect(young).toMatchObject({ promoted: true, metrics: undefined });
    expect((await readChampion(store, 'young'))?.pointer).toMatchObject({
      version: young.version,
      evaluated: false,
    });
    expect(await getText(store, young.reportKey)).toContain('Not evaluated out of time');
    expect(meta.forecast?.total).toBeGreaterThan(0);
  });

  it('never promotes a model without an out-of-time evaluation over an evaluated champion', async () => {
    // Act: the 'shop' dataset's champion (beforeAll) was evaluated.
    const unevaluated = await trainDataset({
      store,
      dataset: 'shop',
      table,
      dataFingerprint: 'sha256:unevaluated',
      horizonDays: 400,
      fit: FAST_FIT,
    });

    // Assess
    expect(unevaluated.promoted).toBe(false);
    expect(unevaluated.reason).toMatch(/not evaluated out of time.*evaluated champion is kept/);
    expect((await readChampion(store, 'shop'))?.pointer.version).not.toBe(unevaluated.version);
  });

  it('refuses a horizon the history cannot support at all', async () => {
    // Act: nothing before the as-of date minus one horizon.
    const training = trainDataset({ store, dataset: 'short', table, dataFingerprint: 'x', horizonDays: 800 });

    // Assess
    await expect(training).rejects.toThrow(InsufficientHistoryError);
    await expect(training).rejects.toThrow(/one horizon before the as-of date/);
  });
});
