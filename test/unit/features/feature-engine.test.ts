import { describe, expect, it } from 'vitest';
import {
  FeatureEngine,
  FutureRowsError,
  UnsupportedCategoryError,
} from '../../../lib/features/feature-engine';
import { TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { DAY_MS as DAY } from '../../../lib/time';

function shop() {
  const builder = new TransactionTableBuilder();
  builder.add({ customerId: 'a', time: 1 * DAY, amount: 10, categories: { country: 'FR' } });
  builder.add({ customerId: 'b', time: 3 * DAY, amount: 20, categories: { country: 'DE' } });
  builder.add({ customerId: 'a', time: 12 * DAY, amount: 5, categories: { country: 'FR' } });
  return builder.build();
}

describe('FeatureEngine', () => {
  it('builds each date once, and shares what it built with its views', async () => {
    // Prepare
    using engine = await FeatureEngine.open(shop());
    const view = engine.visibleBefore(10 * DAY);

    // Act
    const first = await engine.features(5 * DAY);
    const again = await engine.features(5 * DAY, { categoryTopK: 1 });
    const fromView = await view.features(5 * DAY);

    // Assess: one summary behind all three (its customers array), assembled per the options.
    expect(again.customers).toBe(first.customers);
    expect(fromView.customers).toBe(first.customers);
    expect(first.names).toContain('cat_country=DE');
    expect(again.names).not.toContain('cat_country=FR');
    expect(Array.from(first.customers)).toEqual([0, 1]);
  });

  it('refuses, through a view, any read at or after the view’s end', async () => {
    // Prepare
    using engine = await FeatureEngine.open(shop());
    const view = engine.visibleBefore(10 * DAY);
    const customers = Int32Array.from([0, 1]);

    // Act & Assess
    await expect(view.features(11 * DAY)).rejects.toThrow(FutureRowsError);
    await expect(view.netSpend(customers, 5 * DAY, 15 * DAY)).rejects.toThrow(FutureRowsError);
    await expect(view.purchaseHistory(11 * DAY, customers)).rejects.toThrow(FutureRowsError);
    expect(Array.from(await view.netSpend(customers, 0, 10 * DAY))).toEqual([10, 20]);
    expect(Array.from(await engine.netSpend(customers, 0, 15 * DAY))).toEqual([15, 20]);
  });

  it('stays open when a view is closed, and closes once', async () => {
    // Prepare
    const engine = await FeatureEngine.open(shop());

    // Act
    engine.visibleBefore(10 * DAY).close();
    const spend = await engine.netSpend(Int32Array.from([0]), 0, 20 * DAY);
    engine.close();

    // Assess
    expect(Array.from(spend)).toEqual([15]);
    expect(() => engine.close()).not.toThrow();
  });

  it('refuses a table with a categorical column the SQL does not read', async () => {
    // Prepare
    const builder = new TransactionTableBuilder();
    builder.add({ customerId: 'a', time: 0, amount: 1, categories: { segment: 'gold' } });

    // Act & Assess
    await expect(FeatureEngine.open(builder.build())).rejects.toThrow(UnsupportedCategoryError);
  });
});
