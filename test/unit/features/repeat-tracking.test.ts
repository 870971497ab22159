import { describe, expect, it } from 'vitest';
import { visibleCustomers } from '../../../lib/features/compute-features';
import { purchaseHistory } from '../../../lib/features/purchase-history';
import { repeatTracking } from '../../../lib/features/repeat-tracking';
import { seasonalLevel } from '../../../lib/model/seasonal-level';
import { DAY_MS } from '../../../lib/time';
import { shopTable } from '../training/shop-table';

describe('repeatTracking', () => {
  it("counts the known customers' purchase days per week of the window beside the level's forecast of them", () => {
    // Prepare: a shop, its level at the window's start.
    const table = shopTable(600, 23, { start: '2023-01-01', days: 730 });
    const from = Date.parse('2024-07-01T00:00:00Z');
    const customers = visibleCustomers(table, from);
    const level = seasonalLevel(purchaseHistory(table, from, customers), 60);

    // Act
    const tracking = repeatTracking(table, from, customers, level.spec, 60);

    // Assess: 8 full weeks and 4 days; every purchase day in the window counted once; the forecast adds up
    // to the level's expected orders over the horizon.
    expect(tracking.weekStarts).toHaveLength(9);
    expect(tracking.weekStarts[0]).toBe('2024-07-01');
    expect(tracking.weekDays).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    const after = purchaseHistory(table, from + 60 * DAY_MS, customers);
    const inWindow = Array.from(after.day).filter((d) => d >= from / DAY_MS).length;
    expect(tracking.actual.reduce((a, v) => a + v, 0)).toBe(inWindow);
    const forecast = level.expectedOrders.reduce((a, v) => a + v, 0);
    expect(tracking.predicted.reduce((a, v) => a + v, 0)).toBeCloseTo(forecast, 0);
    expect(tracking.customers).toBe(customers.length);
  });
});
