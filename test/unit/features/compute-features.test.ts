import { describe, expect, it } from 'vitest';
import { computeFeatures, OTHER_LEVEL } from '../../../lib/features/compute-features';
import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { DAY_MS as DAY } from '../../../lib/time';
import { syntheticShop } from './synthetic-table';

const T0 = Date.UTC(2020, 0, 1);
const at = (day: number, hour = 12) => T0 + day * DAY + hour * 3_600_000;

/** Customer a: purchase days 0, 10, 30 (order o1 split over two rows, a return on day 10); b: one day. */
function smallShop(extra: (builder: TransactionTableBuilder) => void = () => {}): TransactionTable {
  const builder = new TransactionTableBuilder();
  builder.add({ customerId: 'a', time: at(0), amount: 10, orderId: 'o1', categories: { country: 'UK' } });
  builder.add({ customerId: 'a', time: at(0, 13), amount: 5, orderId: 'o1', categories: { country: 'UK' } });
  builder.add({ customerId: 'a', time: at(10), amount: 20, orderId: 'o2', categories: { country: 'UK' } });
  builder.add({
    customerId: 'a',
    time: at(10, 14),
    amount: -4,
    orderId: 'o3',
    categories: { country: 'UK' },
  });
  builder.add({ customerId: 'a', time: at(30), amount: 30, orderId: 'o4', categories: { country: 'FR' } });
  builder.add({ customerId: 'b', time: at(35), amount: 50, categories: { country: 'UK' } });
  extra(builder);
  return builder.build();
}

function row(features: ReturnType<typeof computeFeatures>, r: number): Record<string, number> {
  return Object.fromEntries(
    features.names.map((name, c) => [name, features.values[r * features.cols + c] as number]),
  );
}

describe('computeFeatures', () => {
  it('computes the hand-checked values of a small shop', () => {
    // Prepare
    const table = smallShop((b) => b.add({ customerId: 'c', time: at(45), amount: 70 }));

    // Act
    const features = computeFeatures(table, T0 + 40 * DAY, { horizonDays: 30, categoryTopK: 1 });

    // Assess
    expect(features.rows).toBe(2); // c's only purchase is after as-of
    const a = row(features, 0);
    expect(a).toMatchObject({
      recency_days: 30,
      frequency: 2,
      tenure_days: 39,
      order_count: 3,
      total_spend: 61,
      max_order_value: 30,
      spend_30d: 46,
      orders_30d: 2,
      spend_90d: 61,
      orders_90d: 3,
      return_count: 1,
      return_amount: 4,
      gap_mean_days: 15,
      gap_std_days: 5,
      days_since_last: 9.5,
      days_since_first: 39.5,
      'cat_country=FR': 1,
      [`cat_country=${OTHER_LEVEL}`]: 0,
    });
    expect(a.mean_order_value).toBeCloseTo(65 / 3, 4);
    expect(a.std_order_value).toBeCloseTo(Math.sqrt(350 / 9), 4);
    const b = row(features, 1);
    expect(b).toMatchObject({
      frequency: 0,
      recency_days: 0,
      tenure_days: 4,
      order_count: 1,
      gap_mean_days: 0,
    });
    expect(b[`cat_country=${OTHER_LEVEL}`]).toBe(1);
    expect(features.spec.categoryLevels).toEqual({ country: ['FR'] });
  });

  it('never reads a transaction at or after as-of: adding future ones changes no feature', () => {
    // Prepare
    const asOf = Date.UTC(2021, 0, 1);
    const shop = syntheticShop(300);
    const past = new TransactionTableBuilder();
    for (let i = 0; i < shop.length; i++) {
      if ((shop.time[i] as number) >= asOf) continue;
      past.add({
        customerId: shop.customerIds[shop.customer[i] as number] as string,
        time: shop.time[i] as number,
        amount: shop.amount[i] as number,
        orderId: shop.orderIds[shop.order[i] as number],
        categories: { country: shop.categories.country?.values[shop.categories.country.codes[i] as number] },
      });
    }

    // Act
    const withFuture = computeFeatures(shop, asOf, { horizonDays: 90 });
    const withoutFuture = computeFeatures(past.build(), asOf, { horizonDays: 90 });

    // Assess
    expect(withFuture.spec.bgNbd.converged).toBe(true);
    expect(withFuture.names).toEqual(withoutFuture.names);
    expect(Array.from(withFuture.customers, (c) => shop.customerIds[c])).toHaveLength(withoutFuture.rows);
    expect(withFuture.values).toEqual(withoutFuture.values);
  });

  it('serves one customer from a fitted spec with exactly the row it gets inside the whole shop', () => {
    // Prepare: a serving request carries one customer's transactions, interned in its own order.
    const asOf = Date.UTC(2021, 0, 1);
    const shop = syntheticShop(200);
    const full = computeFeatures(shop, asOf, { horizonDays: 90 });
    const r = 17;
    const customer = full.customers[r] as number;
    const request = new TransactionTableBuilder();
    request.add({ customerId: 'other', time: asOf - DAY, amount: 1, categories: { country: 'DE' } });
    for (let i = 0; i < shop.length; i++) {
      if (shop.customer[i] !== customer) continue;
      request.add({
        customerId: 'me',
        time: shop.time[i] as number,
        amount: shop.amount[i] as number,
        orderId: shop.orderIds[shop.order[i] as number],
        categories: { country: shop.categories.country?.values[shop.categories.country.codes[i] as number] },
      });
    }

    // Act
    const served = computeFeatures(request.build(), asOf, full.spec);

    // Assess
    expect(served.names).toEqual(full.names);
    expect(Array.from(served.values.subarray(served.cols, 2 * served.cols))).toEqual(
      Array.from(full.values.subarray(r * full.cols, (r + 1) * full.cols)),
    );
  });

  it('keeps every value finite, and BTYD expectations non-negative, on a degenerate shop where nobody repeats', () => {
    // Prepare
    const builder = new TransactionTableBuilder();
    builder.add({ customerId: 'x', time: at(1), amount: 10 });
    builder.add({ customerId: 'y', time: at(2), amount: -10 });

    // Act
    const features = computeFeatures(builder.build(), T0 + 5 * DAY);

    // Assess
    expect(features.spec.bgNbd.converged).toBe(false);
    expect(features.values.every(Number.isFinite)).toBe(true);
    expect(row(features, 0).bgnbd_gg_expected_spend).toBeGreaterThanOrEqual(0);
  });

  it('keeps every feature finite when one customer has orders of 1e308, and leaves the others as they were', () => {
    // Prepare: rows no ingest would accept (lib/ingest/order-limits.ts), built directly.
    const asOf = T0 + 60 * DAY;
    const plain = computeFeatures(smallShop(), asOf);
    const withAbsurd = smallShop((b) => {
      b.add({ customerId: 'x', time: at(3), amount: 1e308 });
      b.add({ customerId: 'x', time: at(20), amount: 1e308 });
    });

    // Act
    const features = computeFeatures(withAbsurd, asOf);

    // Assess
    expect(features.values.every(Number.isFinite)).toBe(true);
    expect(row(features, 2).total_spend).toBeCloseTo(3.4028234663852886e38, -30);
    for (const name of ['recency_days', 'frequency', 'total_spend', 'mean_order_value', 'spend_30d'])
      expect(row(features, 0)[name], name).toBe(row(plain, 0)[name]);
  });
});
