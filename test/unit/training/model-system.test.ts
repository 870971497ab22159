import { describe, expect, it } from 'vitest';
import { endOfDay, runBacktest } from '../../../lib/evaluate/backtest';
import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { fitValueModel } from '../../../lib/training/fit-value-model';
import { alignByCustomer, MissingPredictionError, modelSystem } from '../../../lib/training/model-system';
import { syntheticShop } from '../features/synthetic-table';

const FAST = { epochs: 2, members: 1 };

describe('modelSystem', () => {
  it('predicts a finite, non-negative value for every scored customer, in the backtest order', async () => {
    // Prepare
    const shop = syntheticShop(250);

    // Act
    const result = await runBacktest(shop, {
      cutoff: '2021-06-30',
      horizonDays: 90,
      systems: [modelSystem({ fit: FAST })],
    });

    // Assess
    const model = result.systems[0];
    expect(model?.name).toBe('model');
    expect(model?.predictions).toHaveLength(result.customers);
    expect(model?.predictions.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(model?.metrics.gini).toBeGreaterThan(0);
  });

  it('reorders predictions to the scored customers and refuses a missing one', () => {
    expect(
      Array.from(
        alignByCustomer(Int32Array.of(3, 1, 2), Float32Array.of(30, 10, 20), Int32Array.of(1, 2, 3)),
      ),
    ).toEqual([10, 20, 30]);
    expect(() => alignByCustomer(Int32Array.of(1), Float32Array.of(1), Int32Array.of(2))).toThrow(
      MissingPredictionError,
    );
  });
});

describe('fitValueModel', () => {
  it('reads nothing at or after asOf: future transactions change neither the model nor its calibration', async () => {
    // Prepare: the same shop with and without a burst of big purchases after asOf.
    const asOf = endOfDay('2021-06-30');
    const shop = syntheticShop(250, 540);
    const withFuture = new TransactionTableBuilder();
    for (let i = 0; i < shop.length; i++)
      withFuture.add({
        customerId: shop.customerIds[shop.customer[i] as number] as string,
        time: shop.time[i] as number,
        amount: shop.amount[i] as number,
        orderId: shop.orderIds[shop.order[i] as number] as string,
        categories: Object.fromEntries(
          Object.entries(shop.categories).map(([name, { values, codes }]) => [
            name,
            values[codes[i] as number] as string,
          ]),
        ),
      });
    for (let c = 0; c < 50; c++)
      withFuture.add({ customerId: `c${c}`, time: asOf + c * 3_600_000, amount: 10_000, orderId: `f${c}` });
    const past = syntheticShop(250, 540);
    const future = withFuture.build();

    // Act
    const a = await fitValueModel(past, asOf, { horizonDays: 90, fit: FAST });
    const b = await fitValueModel(future, asOf, { horizonDays: 90, fit: FAST });

    // Assess
    const pa = a.model.predict(a.scoring).value;
    const pb = b.model.predict(b.scoring).value;
    expect(Array.from(pb)).toEqual(Array.from(pa));
    expect(b.model.spec.calibration).toEqual(a.model.spec.calibration);
    expect(a.trainWindows.every((t) => t < asOf)).toBe(true);
    expect(a.holdout?.rows).toBeGreaterThan(0);
    a.model.dispose();
    b.model.dispose();
  });

  it('takes the season from the same weeks a year earlier: bigger Q4 baskets raise a Q4 forecast', async () => {
    // Prepare: two years of the same shop, once flat, once with every October–December amount × 4.
    const flat = syntheticShop(2000, 730);
    const peak = withQ4Peak(flat);
    const asOf = endOfDay('2021-09-30');

    // Act
    const a = await fitValueModel(flat, asOf, { horizonDays: 90, fit: FAST });
    const b = await fitValueModel(peak, asOf, { horizonDays: 90, fit: FAST });
    const young = await fitValueModel(flat, endOfDay('2020-09-30'), { horizonDays: 90, fit: FAST });

    // Assess: the peak shop's predicted total is well above the flat shop's (its labelled windows, Jan–Sep,
    // hold no peak: only the year-earlier weeks show it); a shop younger than a year has no year-earlier
    // weeks and takes the history's average.
    expect(a.forecast?.season).toBe('a year earlier');
    expect(b.forecast?.total).toBeGreaterThan(2 * (a.forecast?.total as number));
    expect(young.forecast?.season).toBe('history average');
    for (const fit of [a, b, young]) {
      const { value } = fit.model.predict(fit.scoring);
      expect(value.reduce((sum, v) => sum + v, 0)).toBeCloseTo(fit.forecast?.total as number, -1);
      expect(fit.forecast?.low).toBeLessThan(fit.forecast?.total as number);
      expect(fit.forecast?.high).toBeGreaterThan(fit.forecast?.total as number);
      fit.model.dispose();
    }
  });

  it('does not carry a season the labelled windows held into one that lacks it: a Q4 peak lowers a spring forecast', async () => {
    // Prepare: three years, flat and with every October–December amount × 4. At 2022-03-31 the calibrated
    // windows (labels Jul 2021 – Mar 2022) hold one peak; the forecast (Apr–Jun) holds none.
    const flat = syntheticShop(2000, 1095);
    const peak = withQ4Peak(flat);
    const asOf = endOfDay('2022-03-31');

    // Act
    const a = await fitValueModel(flat, asOf, { horizonDays: 90, fit: FAST });
    const b = await fitValueModel(peak, asOf, { horizonDays: 90, fit: FAST });

    // Assess: the peak shop's model is scaled down from what it learnt, relative to the flat shop's.
    const level = (fit: typeof a) => fit.model.spec.calibration?.levelFactor as number;
    expect(level(a)).toBeGreaterThan(0.5);
    expect(level(b)).toBeLessThan(0.8 * level(a));
    for (const fit of [a, b]) fit.model.dispose();
  });
});

/** A copy of `table` whose October–December amounts are × 4: a Christmas quarter. */
function withQ4Peak(table: TransactionTable): TransactionTable {
  const builder = new TransactionTableBuilder();
  for (let i = 0; i < table.length; i++) {
    const time = table.time[i] as number;
    const amount = table.amount[i] as number;
    builder.add({
      customerId: table.customerIds[table.customer[i] as number] as string,
      time,
      amount: new Date(time).getUTCMonth() >= 9 ? 4 * amount : amount,
      orderId: table.orderIds[table.order[i] as number] as string,
    });
  }
  return builder.build();
}
