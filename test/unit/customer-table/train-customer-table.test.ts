import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerTable } from '../../../lib/ingest/load-customer-table';
import { readChampion } from '../../../lib/registry/champion';
import { type CustomerTableModelMeta, isCustomerTableMeta } from '../../../lib/registry/model-meta';
import { loadChampionModel } from '../../../lib/registry/model-versions';
import { PREDICTIONS_HEADER } from '../../../lib/registry/predictions-csv';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import {
  InsufficientRowsError,
  LINEAR_SYSTEM,
  scoreCustomerTable,
  type TrainCustomerTableResult,
  trainCustomerTable,
} from '../../../lib/training/train-customer-table';
import { MODEL_SYSTEM, SEED_MLP_SYSTEM } from '../../../lib/training/train-dataset';
import { generatedTable } from './generated-table';

const FAST_FIT = { epochs: 2, members: 1 };

/** The same customers with their labels dealt out at random: nothing left to learn. */
function shuffledLabels(table: CustomerTable): CustomerTable {
  const label = Float64Array.from(table.label);
  let state = 12345;
  for (let i = label.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [label[i], label[j]] = [label[j] as number, label[i] as number];
  }
  return { ...table, label };
}

describe('trainCustomerTable (2-epoch fits)', () => {
  let dir: string;
  let table: CustomerTable;
  let store: FsBlobStore;
  let first: TrainCustomerTableResult;

  beforeAll(async () => {
    ({ dir, table } = await generatedTable(600));
    store = new FsBlobStore(dir);
    first = await trainCustomerTable({
      store,
      dataset: 'crm',
      table,
      dataFingerprint: 'sha256:first',
      fit: FAST_FIT,
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the artifacts with inputKind customer-table and promotes the first model', async () => {
    // Assess
    for (const file of ['model.json', 'weights.bin', 'meta.json', 'predictions.csv', 'report.html'])
      expect(await store.head(`${first.prefix}/${file}`), file).toBeDefined();
    expect(first).toMatchObject({ promoted: true, reason: 'no champion yet' });
    expect((await readChampion(store, 'crm'))?.pointer.version).toBe(first.version);
    const meta = JSON.parse(
      (await getText(store, `${first.prefix}/meta.json`)) ?? '{}',
    ) as CustomerTableModelMeta;
    expect(meta).toMatchObject({
      inputKind: 'customer-table',
      horizonDays: null,
      asOf: '2024-01-01T00:00:00.000Z',
      label: { column: 'Future_Value', clippedAtZero: 0 },
      rows: { customers: 600, scored: 600 },
      evaluation: { method: 'random-holdout', holdoutShare: 0.2 },
      promotion: { status: 'promoted' },
    });
    expect(Object.keys(meta.evaluation.systems).sort()).toEqual(
      [LINEAR_SYSTEM, MODEL_SYSTEM, SEED_MLP_SYSTEM].sort(),
    );
    expect(meta.evaluation.customers).toBeGreaterThan(80);
    expect(meta.evaluation.customers).toBeLessThan(160);
    expect(meta.encoding.columns.map((c) => c.name)).toEqual([
      'Age',
      'Gender',
      'Purchase_Frequency',
      'Average_Spending',
      'Last_Purchase_Date',
    ]);
    expect(meta.featureNames).toContain('Last_Purchase_Date:days_before_as_of');
    expect(meta.featureNames).toContain('Age:missing');
  });

  it('records the permutation importance of every column read, on the holdout', () => {
    // Assess
    const importance = first.meta.featureImportance;
    expect(importance?.rows).toBe(first.meta.evaluation.customers);
    expect(importance?.baselineGini).toBeCloseTo(first.metrics?.gini as number, 5);
    expect(importance?.features.map((f) => f.name).sort()).toEqual(
      first.meta.encoding.columns.map((c) => c.name).sort(),
    );
  });

  it('writes report.html about the holdout and the label, as the final meta.json says', async () => {
    // Act
    const html = (await getText(store, first.reportKey)) ?? '';
    // The page's text, without the inlined Chart.js.
    const page = html.slice(0, html.indexOf('<script'));

    // Assess
    expect(first.reportKey).toBe(`${first.prefix}/report.html`);
    expect(page).toContain('<h2>Holdout metrics</h2>');
    expect(page).toContain(
      'Predicts each customer&#39;s Future_Value, learnt from a labelled customer table',
    );
    expect(page).not.toMatch(/validation window|out-of-time|next \d+ days|undefined|NaN/);
    for (const system of [MODEL_SYSTEM, SEED_MLP_SYSTEM, LINEAR_SYSTEM])
      expect(page).toContain(`data-system="${system}"`);
    expect(page).toContain('id="chart-importance"');
    expect(page).toContain('<strong>Promoted.</strong> no champion yet');
  });

  it('writes predictions.csv for every row, and the saved model and encoding reproduce it', async () => {
    // Act
    const csv = (await getText(store, `${first.prefix}/predictions.csv`)) ?? '';
    const champion = await loadChampionModel(store, 'crm');
    const { meta } = champion;
    if (!isCustomerTableMeta(meta)) throw new Error('the champion is not a customer-table model');
    const { encoding } = meta;
    const again = scoreCustomerTable(champion.model, encoding, table);
    champion.model.dispose();

    // Assess
    const [header, ...lines] = csv.trimEnd().split('\n');
    expect(header).toBe(PREDICTIONS_HEADER);
    expect(lines.map((l) => l.split(',')[0])).toEqual(table.customerIds);
    lines.forEach((line, r) => {
      const [, value, pReturn, decile, version] = line.split(',');
      expect(Number(value)).toBeCloseTo(again.value[r] as number, 3);
      expect(Number(pReturn)).toBeCloseTo(again.pReturn?.[r] as number, 5);
      expect(Number(decile)).toBeGreaterThanOrEqual(1);
      expect(version).toBe(first.version);
    });
  });

  it('does not promote a model trained on shuffled labels, and says why', async () => {
    // Act
    const worse = await trainCustomerTable({
      store,
      dataset: 'crm',
      table: shuffledLabels(table),
      dataFingerprint: 'sha256:shuffled',
      fit: FAST_FIT,
    });

    // Assess
    expect(worse.promoted).toBe(false);
    expect(worse.reason).toMatch(
      /Gini .* is below the champion's .* \(against the champion's recorded metrics: it learnt on the rows of this holdout\)/,
    );
    expect((await readChampion(store, 'crm'))?.pointer.version).toBe(first.version);
    expect(worse.meta.evaluation.champion).toMatchObject({ version: first.version, basis: 'recorded' });
    expect(worse.meta.promotion).toMatchObject({ status: 'not_promoted', previousChampion: first.version });
  });

  it('refuses a table too small to hold rows out', async () => {
    // Prepare
    const tiny = { ...table, customerIds: table.customerIds.slice(0, 10) };

    // Act / Assess
    await expect(
      trainCustomerTable({ store, dataset: 'tiny', table: tiny, dataFingerprint: 'x', fit: FAST_FIT }),
    ).rejects.toThrow(InsufficientRowsError);
  });
});

describe('trainCustomerTable (default fit)', () => {
  it('beats the seed linear regression on the holdout of a generated table with signal', async () => {
    // Prepare
    const { dir, table } = await generatedTable(2000, 11);

    // Act
    const result = await trainCustomerTable({
      store: new FsBlobStore(dir),
      dataset: 'crm',
      table,
      dataFingerprint: 'sha256:signal',
    });
    await rm(dir, { recursive: true, force: true });

    // Assess
    const { systems } = result.meta.evaluation;
    console.log(
      Object.entries(systems)
        .map(
          ([name, m]) =>
            `${name}: gini ${m.gini.toFixed(4)} spearman ${m.spearman.toFixed(4)} decileMape ${m.decileMape.toFixed(4)} mae ${m.mae.toFixed(2)}`,
        )
        .join('\n'),
    );
    const model = systems[MODEL_SYSTEM];
    const linear = systems[LINEAR_SYSTEM];
    expect(model?.gini).toBeGreaterThan((linear?.gini ?? 1) + 0.02);
    expect(model?.spearman).toBeGreaterThan((linear?.spearman ?? 1) + 0.02);
    expect(model?.mae).toBeLessThan(linear?.mae ?? 0);
    expect(model?.aucReturn).toBeGreaterThan(linear?.aucReturn ?? 1);
  }, 240_000);
});
