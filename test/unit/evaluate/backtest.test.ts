import { describe, expect, it } from 'vitest';
import {
  BacktestInputError,
  type BacktestSystem,
  endOfDay,
  runBacktest,
} from '../../../lib/evaluate/backtest';
import { syntheticShop } from '../features/synthetic-table';

describe('runBacktest', () => {
  it('scores every customer visible at the cutoff with every baseline, and systems never see the future', async () => {
    // Prepare
    const shop = syntheticShop(150);
    const cutoff = '2020-12-31';
    const asOf = endOfDay(cutoff);
    let latestSeen = Number.NEGATIVE_INFINITY;
    const spy: BacktestSystem = {
      name: 'spy',
      predict: ({ visible, scoring }) => {
        for (const t of visible.time) latestSeen = Math.max(latestSeen, t);
        return new Float32Array(scoring.rows).fill(1);
      },
    };
    const visibleCustomers = new Set<number>();
    for (let i = 0; i < shop.length; i++)
      if ((shop.time[i] as number) < asOf) visibleCustomers.add(shop.customer[i] as number);

    // Act
    const result = await runBacktest(shop, { cutoff, horizonDays: 90 });
    const spied = await runBacktest(shop, { cutoff, horizonDays: 90, systems: [spy] });

    // Assess
    expect(result.customers).toBe(visibleCustomers.size);
    expect(result.systems.map((s) => s.name)).toEqual(['bgnbd_gammagamma', 'linear', 'last_window']);
    for (const system of result.systems) {
      expect(system.predictions).toHaveLength(result.customers);
      expect(system.predictions.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(system.metrics.gini).toBeGreaterThan(0);
    }
    expect(latestSeen).toBeLessThan(asOf);
    expect(spied.systems[0]?.metrics.aucReturn).toBeCloseTo(0.5, 12);
  });

  it('rejects a malformed cutoff, a bad horizon and a cutoff before any data with clear messages', async () => {
    // Prepare
    const shop = syntheticShop(20);

    // Act / Assess
    await expect(runBacktest(shop, { cutoff: '2020-02-30', horizonDays: 90 })).rejects.toThrow(
      BacktestInputError,
    );
    await expect(runBacktest(shop, { cutoff: '2020-12-31', horizonDays: 0 })).rejects.toThrow(/horizon/);
    await expect(runBacktest(shop, { cutoff: '2010-01-01', horizonDays: 90 })).rejects.toThrow(/no customer/);
  });

  it('treats the cutoff day as visible up to its end', () => {
    expect(endOfDay('2011-09-09')).toBe(Date.UTC(2011, 8, 10));
  });
});
