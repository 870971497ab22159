import { describe, expect, it } from 'vitest';
import { visibleCustomers } from '../../../lib/features/compute-features';
import { purchaseHistory } from '../../../lib/features/purchase-history';
import { lifetimeValue } from '../../../lib/model/lifetime-value';
import { expectedOrdersUpTo, seasonalLevel } from '../../../lib/model/seasonal-level';
import { DAY_MS } from '../../../lib/time';
import { shopTable } from '../training/shop-table';

// A steady two-year shop, its money level at a cutoff, and every customer worth 100 over the horizon.
const table = shopTable(1200, 21, { start: '2023-01-01', days: 730 });
const asOf = Date.parse('2024-10-01T00:00:00Z');
const history = purchaseHistory(table, asOf, visibleCustomers(table, asOf));
const { spec } = seasonalLevel(history, 91);
const value = new Float32Array(history.start.length - 1).fill(100);

describe('lifetimeValue', () => {
  it('is the horizon value itself over the horizon, undiscounted', () => {
    // Act: three months of 30 or 31 days are 91 days.
    const clv = lifetimeValue(spec, history, value, { months: 3, annualDiscountRate: 0 });

    // Assess: the basket index of a steady shop barely moves between the months.
    for (const v of clv) expect(Math.abs(v / 100 - 1)).toBeLessThan(0.03);
  });

  it("stretches the horizon along each customer's own BG/NBD decay, and discounts it", () => {
    // Act
    const year = lifetimeValue(spec, history, value, { months: 12, annualDiscountRate: 0 });
    const discounted = lifetimeValue(spec, history, value, { months: 12, annualDiscountRate: 0.1 });
    const twoYears = lifetimeValue(spec, history, value, { months: 24, annualDiscountRate: 0.1 });

    // Assess: at most four horizons' worth (a customer who may drop out buys less later), discounting takes
    // between 0 and 10%, a second year adds to the first, and a customer likelier gone keeps less of it.
    const orders = expectedOrdersUpTo(spec, history, [91, 365]);
    const ratios: { decay: number; clv: number }[] = [];
    for (let r = 0; r < value.length; r++) {
      const y = year[r] as number;
      expect(y).toBeLessThanOrEqual(4.02 * 100);
      expect(y).toBeGreaterThan(100);
      expect((discounted[r] as number) / y).toBeGreaterThan(0.9);
      expect((discounted[r] as number) / y).toBeLessThan(1);
      expect(twoYears[r] as number).toBeGreaterThan(discounted[r] as number);
      const inHorizon = orders[2 * r] as number;
      if (inHorizon > 0) ratios.push({ decay: (orders[2 * r + 1] as number) / inHorizon, clv: y / 100 });
    }
    ratios.sort((a, b) => a.decay - b.decay);
    const first = ratios[0] as { clv: number };
    const last = ratios[ratios.length - 1] as { clv: number };
    expect(first.clv).toBeLessThan(last.clv);
  });

  it('scores a customer alone as in the batch', () => {
    // Prepare
    const customers = visibleCustomers(table, asOf);
    const one = Int32Array.from([customers[42] as number]);

    // Act
    const batch = lifetimeValue(spec, history, value);
    const alone = lifetimeValue(spec, purchaseHistory(table, asOf, one), Float32Array.from([100]));

    // Assess
    expect(alone[0]).toBeCloseTo(batch[42] as number, 4);
    expect(asOf % DAY_MS).toBe(0);
  });
});
