import { describe, expect, it } from 'vitest';
import type { LabelledRows } from '../../../lib/model/feature-matrix';
import { DAY_MS } from '../../../lib/time';
import { fitValueModel, sampleCustomers } from '../../../lib/training/fit-value-model';
import { shopTable } from './shop-table';

/** Three stacked windows (newest first) of `customers` customers; a row's label and feature name its customer and window. */
function stackedRows(customers: number): LabelledRows {
  const rows = customers * 3;
  const values = new Float32Array(rows);
  const ids = new Int32Array(rows);
  const label = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    ids[r] = r % customers;
    values[r] = Math.floor(r / customers);
    label[r] = r;
  }
  return { features: { names: ['window'], cols: 1, rows, values, customers: ids }, label };
}

describe('sampleCustomers', () => {
  const rows = stackedRows(2_000);

  it('keeps every row at or below the cap', () => {
    expect(sampleCustomers(rows, 6_000, 1)).toBeUndefined();
    expect(sampleCustomers(rows, 10_000, 1)).toBeUndefined();
  });

  it('above the cap keeps all windows of a seeded share of customers, about the cap in rows', () => {
    // Act
    const sample = sampleCustomers(rows, 1_500, 1);
    // Assess
    if (!sample) throw new Error('expected a sample above the cap');
    const { features, label } = sample.rows;
    const windowsOf = new Map<number, number[]>();
    features.customers.forEach((c, r) => {
      windowsOf.set(c, [...(windowsOf.get(c) ?? []), features.values[r] as number]);
      expect(label[r], 'a row keeps its own label').toBe(c + 2_000 * (features.values[r] as number));
    });
    for (const windows of windowsOf.values()) expect(windows).toEqual([0, 1, 2]);
    expect(sample.summary).toEqual({
      customers: windowsOf.size,
      ofCustomers: 2_000,
      rows: features.rows,
      ofRows: 6_000,
    });
    expect(features.rows).toBeGreaterThan(1_300);
    expect(features.rows).toBeLessThan(1_700);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const customersOf = (seed: number) =>
      Array.from(sampleCustomers(rows, 1_500, seed)?.rows.features.customers ?? []);
    expect(customersOf(1)).toEqual(customersOf(1));
    expect(customersOf(2)).not.toEqual(customersOf(1));
  });
});

describe('fitValueModel above its row cap', () => {
  it('trains, early-stops and calibrates on the customer sample, and says so', async () => {
    // Arrange
    const table = shopTable(600);
    const asOf = Date.UTC(2024, 6, 1);
    const options = { horizonDays: 90, fit: { epochs: 2, members: 1 } };
    // Act
    const full = await fitValueModel(table, asOf, options);
    const capped = await fitValueModel(table, asOf, { ...options, maxNetworkRows: 600 });
    try {
      // Assess
      const { sample, holdout, model } = capped;
      if (!(sample && holdout && model.training && full.holdout && full.model.training))
        throw new Error('expected a sampled, held-out fit');
      expect(full.sample).toBeUndefined();
      expect(sample.ofRows).toBe(full.model.training.trainRows + full.holdout.rows);
      expect(sample.rows).toBeLessThan(sample.ofRows);
      expect(sample.customers).toBeLessThan(sample.ofCustomers);
      expect(model.training.trainRows + holdout.rows).toBe(sample.rows);
      expect(model.training.validationRows).toBe(holdout.rows);
      expect(capped.trainWindows).toEqual(full.trainWindows);
      expect(capped.validationWindow).toBe(asOf - 90 * DAY_MS);
      expect(model.predict(capped.scoring).value.length).toBe(full.scoring.rows);
    } finally {
      full.model.dispose();
      capped.model.dispose();
    }
  });
});
