import { describe, expect, it } from 'vitest';
import { generateOrderLog, ORDER_LOG_HEADER } from '../../../lib/generate/order-log';

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
