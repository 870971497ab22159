import { beforeAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../lib/features/compute-features';
import { customerOutlook, outlookSegments } from '../../../lib/features/customer-outlook';
import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { valueDeciles } from '../../../lib/registry/predictions-csv';
import { DAY_MS } from '../../../lib/time';
import { fitValueModel, type ValueModelFit } from '../../../lib/training/fit-value-model';
import { shopTable } from './shop-table';

const asOf = Date.parse('2025-01-01T00:00:00Z');
let fit: ValueModelFit;
let shop: TransactionTable;

beforeAll(async () => {
  // Prepare: a two-year shop and the production model fitted on it.
  shop = shopTable(800, 31);
  fit = await fitValueModel(shop, asOf, { horizonDays: 90, fit: { epochs: 2, members: 1 } });
}, 120_000);

/** One posted customer's transactions as a table of their own, as the API builds it. */
function customer(id: string, purchases: { daysAgo: number; amount: number }[]): TransactionTable {
  const builder = new TransactionTableBuilder();
  for (const { daysAgo, amount } of purchases)
    builder.add({
      customerId: id,
      time: asOf - daysAgo * DAY_MS + 3_600_000,
      amount,
      orderId: `${id}-${daysAgo}`,
    });
  return builder.build();
}

function outlookOf(table: TransactionTable) {
  const { featureSpec: spec } = fit;
  const features = computeFeatures(table, asOf, {
    horizonDays: spec.horizonDays,
    categoryLevels: spec.categoryLevels,
    bgNbd: spec.bgNbd,
    gammaGamma: spec.gammaGamma,
  });
  const outlook = customerOutlook(fit.model, spec, features, table, asOf);
  return { outlook, segment: outlookSegments(outlook, [5], features, spec.horizonDays)?.[0] };
}

describe('customer outlook', () => {
  it('gives a customer seen once, yesterday, a sensible prediction: not zero, not the shop mean', () => {
    // Prepare
    const batch = customerOutlook(fit.model, fit.featureSpec, fit.scoring, shop, asOf);
    const shopMean = batch.value.reduce((a, v) => a + v, 0) / batch.value.length;

    // Act
    const { outlook, segment } = outlookOf(customer('yesterday', [{ daysAgo: 1, amount: 40 }]));
    const { outlook: longAgo } = outlookOf(customer('last-year', [{ daysAgo: 300, amount: 40 }]));

    // Assess: something to expect, but not what the average customer is worth; alive more likely than not
    // (MBG/NBD: not certainly), some orders expected, a year worth more than the horizon, a new customer.
    const value = outlook.value[0] as number;
    expect(value).toBeGreaterThan(0);
    expect(Math.abs(value / shopMean - 1)).toBeGreaterThan(0.1);
    expect(value).toBeGreaterThan(longAgo.value[0] as number);
    const pAlive = outlook.pAlive?.[0] as number;
    expect(pAlive).toBeGreaterThan(0.5);
    expect(pAlive).toBeLessThan(1);
    expect(pAlive).toBeGreaterThan(longAgo.pAlive?.[0] as number);
    expect(outlook.expectedOrders?.[0]).toBeGreaterThan(0);
    expect(outlook.p10?.[0]).toBe(0);
    expect(outlook.p90?.[0]).toBeGreaterThan(0);
    expect(outlook.clv?.[0]).toBeGreaterThan(value);
    expect(segment).toBe('new');
  });

  it('scores every customer of the batch with an interval, P(alive), expected orders, a lifetime value and a segment', () => {
    // Act
    const scored = customerOutlook(fit.model, fit.featureSpec, fit.scoring, shop, asOf);
    const segment = outlookSegments(scored, valueDeciles(scored.value), fit.scoring, 90);

    // Assess
    const rows = scored.value.length;
    for (const column of [scored.p10, scored.p90, scored.pAlive, scored.expectedOrders, scored.clv])
      expect(column).toHaveLength(rows);
    expect(segment).toHaveLength(rows);
    for (let i = 0; i < rows; i++) {
      expect(scored.p10?.[i]).toBeLessThanOrEqual(scored.p90?.[i] as number);
      expect(scored.pAlive?.[i]).toBeGreaterThanOrEqual(0);
      expect(scored.pAlive?.[i]).toBeLessThanOrEqual(1);
    }
    // The money level's expected orders: their total is the level's, in the horizon's shop days.
    const total = scored.expectedOrders?.reduce((a, v) => a + v, 0) ?? 0;
    expect(total).toBeGreaterThan(0);
    expect(new Set(segment).size).toBeGreaterThan(2);
  });
});
