import { describe, expect, it } from 'vitest';
import { generateOrderLog, ORDER_LOG_HEADER } from '../../../lib/generate/order-log';
import { DAY_MS } from '../../../lib/time';

describe('generateOrderLog', () => {
  it('gives the same log for the same seed and a different one for another seed', () => {
    // Prepare / Act
    const first = [...generateOrderLog({ customers: 200, seed: 7 })];
    const again = [...generateOrderLog({ customers: 200, seed: 7 })];
    const other = [...generateOrderLog({ customers: 200, seed: 8 })];

    // Assess
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('simulates repeat buyers, one-time buyers, returns and dirty lines inside the period', () => {
    // Prepare
    const start = Date.parse('2023-01-01T00:00:00Z');
    const end = start + 365 * 86_400_000;

    // Act
    const lines = [
      ...generateOrderLog({ customers: 2000, seed: 1, start: '2023-01-01', days: 365, dirtyRate: 0.01 }),
    ];

    // Assess
    const ordersByCustomer = new Map<string, Set<string>>();
    for (const { fields } of lines) {
      expect(fields).toHaveLength(ORDER_LOG_HEADER.length);
      const [orderId, customerId] = fields as [string, string];
      if (customerId === '') continue;
      const orders = ordersByCustomer.get(customerId) ?? new Set<string>();
      orders.add(orderId);
      ordersByCustomer.set(customerId, orders);
    }
    const orderCounts = [...ordersByCustomer.values()].map((orders) => orders.size);
    expect(orderCounts.filter((n) => n === 1).length).toBeGreaterThan(200);
    expect(orderCounts.filter((n) => n >= 5).length).toBeGreaterThan(50);
    expect(lines.some(({ fields }) => fields[4] === '-1')).toBe(true);
    expect(lines.some(({ fields }) => fields[1] === '')).toBe(true);
    expect(lines.some(({ fields }) => fields[4] === 'n/a')).toBe(true);
    expect(lines.every(({ time }) => time >= start && time < end)).toBe(true);
  });
});

describe('generateOrderLog at scale', () => {
  it('finishes for customers whose purchase rate is tiny (no endless thinning past the period)', () => {
    // Prepare / Act: the seed and size at which a near-zero rate once jumped past the Date range.
    let lines = 0;
    for (const _ of generateOrderLog({ customers: 60_000, seed: 42 })) lines++;

    // Assess
    expect(lines).toBeGreaterThan(400_000);
  });
});

describe('generateOrderLog with shop dynamics', () => {
  it('acquires customers when the acquisition rate says and buys more in a peak season', () => {
    // Prepare: customers acquired only in the first 60 days; purchases 4× as frequent in month 6.
    const start = Date.parse('2024-01-01T00:00:00Z');
    const june = (time: number) => new Date(time).getUTCMonth() === 5;

    // Act
    const lines = [
      ...generateOrderLog({
        customers: 1500,
        seed: 3,
        start: '2024-01-01',
        days: 365,
        dirtyRate: 0,
        dynamics: { acquisition: (day) => (day < 60 ? 1 : 0), season: (time) => (june(time) ? 4 : 1) },
      }),
    ];

    // Assess: every customer's first line falls in the first 60 days; June holds several times the orders
    // of May or July.
    const first = new Map<string, number>();
    for (const { time, fields } of lines)
      if (!first.has(fields[1] as string)) first.set(fields[1] as string, time);
    expect(Math.max(...first.values())).toBeLessThan(start + 60 * DAY_MS);
    const ordersIn = (month: number) =>
      new Set(
        lines.filter(({ time }) => new Date(time).getUTCMonth() === month).map(({ fields }) => fields[0]),
      ).size;
    expect(ordersIn(5)).toBeGreaterThan(2.5 * ordersIn(4));
    expect(ordersIn(5)).toBeGreaterThan(2.5 * ordersIn(6));
  });

  it('gives promotional cohorts of lower quality fewer repeat orders', () => {
    // Prepare: the same shop twice, its customers of the first 30 days once ordinary, once buying at 0.3×.
    const shop = (rate: number) =>
      generateOrderLog({
        customers: 1500,
        seed: 4,
        start: '2024-01-01',
        days: 365,
        dirtyRate: 0,
        dynamics: {
          acquisition: (day) => (day < 30 ? 10 : 1),
          cohort: (day) => (day < 30 ? { rate, churn: 1 } : { rate: 1, churn: 1 }),
        },
      });
    const start = Date.parse('2024-01-01T00:00:00Z');
    /** Repeat orders (orders after the first) of the customers acquired in the first 30 days. */
    const cohortRepeats = (rate: number) => {
      const first = new Map<string, number>();
      const orders = new Set<string>();
      for (const { time, fields } of shop(rate)) {
        const [orderId, customerId] = fields as [string, string];
        if (!first.has(customerId)) first.set(customerId, time);
        if (
          (first.get(customerId) as number) < start + 30 * DAY_MS &&
          time > (first.get(customerId) as number)
        )
          orders.add(orderId);
      }
      return orders.size;
    };

    // Act / Assess
    expect(cohortRepeats(0.3)).toBeLessThan(0.5 * cohortRepeats(1));
  });
});
