import { describe, expect, it } from 'vitest';
import { visibleCustomers } from '../../../lib/features/compute-features';
import { withFeatureEngine } from '../../../lib/features/feature-engine';
import { purchaseHistory } from '../../../lib/features/purchase-history';
import { holidaySeason } from '../../../lib/generate/shop-scenarios';
import type { TransactionTable } from '../../../lib/ingest/transaction-table';
import { forecastCustomers, seasonalLevel } from '../../../lib/model/seasonal-level';
import { DAY_MS } from '../../../lib/time';
import { shopTable } from '../training/shop-table';

const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The level of every customer seen before the day after `cutoff`, and what they really spent in the horizon. */
async function levelAt(table: TransactionTable, cutoff: string, horizonDays: number, rounds?: number) {
  const asOf = dayOf(cutoff) + DAY_MS;
  const customers = visibleCustomers(table, asOf);
  const { history, spend } = await withFeatureEngine(table, async (engine) => ({
    history: await engine.purchaseHistory(asOf, customers),
    spend: await engine.netSpend(customers, asOf, asOf + horizonDays * DAY_MS),
  }));
  const level = seasonalLevel(history, horizonDays, { rounds });
  const actual = spend.reduce((a, v) => a + v, 0);
  return { level, actual, history };
}

describe('seasonalLevel', () => {
  it('reads a holiday peak that just ended as a season, not as customers who buy faster', async () => {
    // Prepare: a one-year-old shop whose customers all buy 2.5× as often from late November to Christmas,
    // forecast for the four quiet months after it (no year-earlier weeks to learn the season from).
    const table = shopTable(1500, 11, {
      start: '2024-01-01',
      days: 366 + 121,
      dynamics: { acquisition: (day) => (day < 366 ? 1 : 0), season: holidaySeason(2.5) },
    });

    // Act
    const seasonal = await levelAt(table, '2024-12-31', 121);
    const plain = await levelAt(table, '2024-12-31', 121, 0);

    // Assess: the weeks of the peak run faster than the autumn before; the forecast is lower than plain
    // BG/NBD's and nearer to what the customers spent.
    const weeks = seasonal.level.weekFactors;
    const peak = weeks.slice(-5).reduce((a, v) => a + v, 0) / 5;
    const autumn = weeks.slice(-14, -8).reduce((a, v) => a + v, 0) / 6;
    expect(peak).toBeGreaterThan(1.5 * autumn);
    expect(seasonal.level.season).toBe('partly a year earlier');
    expect(seasonal.level.total).toBeLessThan(0.85 * plain.level.total);
    const miss = (total: number) => Math.abs(Math.log(total / seasonal.actual));
    expect(miss(seasonal.level.total)).toBeLessThan(miss(plain.level.total));
  });

  it("takes the horizon's season from the same weeks a year earlier", async () => {
    // Prepare: two years of a shop with the same holiday peak.
    const table = shopTable(1500, 12, {
      start: '2023-01-01',
      days: 730,
      dynamics: { acquisition: () => 1, season: holidaySeason(2.5) },
    });

    // Act: before the peak, and inside a quiet spring.
    const autumn = (await levelAt(table, '2024-09-30', 91)).level;
    const spring = (await levelAt(table, '2024-03-31', 91)).level;

    // Assess: the autumn horizon (October to Christmas) counts more shop days than the spring one.
    expect(autumn.season).toBe('a year earlier');
    expect(autumn.horizonShopDays).toBeGreaterThan(1.2 * spring.horizonShopDays);
  });

  it("forecasts a burst of customers who come back less with their cohort's quality", async () => {
    // Prepare: a steady shop with a Black Friday week acquiring 15× the usual customers, who buy at 0.3×
    // the rate and churn twice as often; the cutoff is three weeks after it.
    const start = '2023-01-01';
    const burst = (day: number) => day >= 692 && day < 699; // 2024-11-23 … 2024-11-29
    const table = shopTable(3000, 13, {
      start,
      days: 730 + 90,
      dynamics: {
        acquisition: (day) => (burst(day) ? 15 : 1),
        cohort: (day) => (burst(day) ? { rate: 0.3, churn: 2 } : { rate: 1, churn: 1 }),
      },
    });

    // Act
    const { level, history } = await levelAt(table, '2024-12-20', 90);

    // Assess: the burst's customers are forecast below 0.8 of their cohort-free expectation; customers
    // acquired in the summer are not.
    const startDay = dayOf(start) / DAY_MS;
    const quality = (acquiredOn: (day: number) => boolean) => {
      const values = level.cohortQuality.filter((_, r) =>
        acquiredOn((history.day[history.start[r] as number] as number) - startDay),
      );
      return values.reduce((a, v) => a + v, 0) / values.length;
    };
    expect(quality(burst)).toBeLessThan(0.8);
    expect(quality((day) => day >= 540 && day < 600)).toBeGreaterThan(0.9);
  });

  it('forecasts customers from its JSON spec as it forecast them in the batch, at a later as-of too', async () => {
    // Prepare: a two-year shop, its level at a cutoff, and three of its customers' histories alone.
    const table = shopTable(800, 14, { start: '2023-01-01', days: 730 });
    const { level } = await levelAt(table, '2024-09-30', 91);
    const spec = JSON.parse(JSON.stringify(level.spec));
    const asOf = dayOf('2024-10-01');
    const all = visibleCustomers(table, asOf);
    const three = Int32Array.from([all[0] as number, all[100] as number, all[all.length - 1] as number]);

    // Act
    const alone = forecastCustomers(spec, purchaseHistory(table, asOf, three));
    const later = forecastCustomers(spec, purchaseHistory(table, asOf + 60 * DAY_MS, three));

    // Assess: the same numbers as the batch; sixty silent days later every customer is less likely alive.
    for (const [k, r] of [0, 100, all.length - 1].entries()) {
      expect(alone.expectedOrders[k]).toBeCloseTo(level.expectedOrders[r] as number, 10);
      expect(alone.pAlive[k]).toBeCloseTo(level.pAlive[r] as number, 10);
      expect(alone.expectedSpend[k]).toBeCloseTo(level.expectedSpend[r] as number, 8);
      expect(later.pAlive[k]).toBeLessThan(alone.pAlive[k] as number);
    }
    expect(alone.horizonShopDays).toBe(level.horizonShopDays);
  });

  it('gives one-time buyers a P(alive) below 1 that falls with the time since their purchase (MBG/NBD)', async () => {
    // Prepare
    const table = shopTable(800, 15, { start: '2023-01-01', days: 730 });
    const { level, history } = await levelAt(table, '2024-12-31', 91);

    // Act: one-time buyers by the day of their purchase.
    const once: { day: number; pAlive: number }[] = [];
    for (let r = 0; r < history.start.length - 1; r++)
      if ((history.start[r + 1] as number) - (history.start[r] as number) === 1)
        once.push({
          day: history.day[history.start[r] as number] as number,
          pAlive: level.pAlive[r] as number,
        });
    once.sort((p, q) => p.day - q.day);

    // Assess
    expect(level.spec.mbgNbd.variant).toBe('mbg');
    expect(once.length).toBeGreaterThan(20);
    for (const { pAlive } of once) expect(pAlive).toBeLessThan(1);
    expect((once[0] as { pAlive: number }).pAlive).toBeLessThan(
      (once[once.length - 1] as { pAlive: number }).pAlive,
    );
  });
});
