import { describe, expect, it } from 'vitest';
import { withFeatureEngine } from '../../../lib/features/feature-engine';
import { buildTrainingRows, buildTruth, NoTrainingHistoryError } from '../../../lib/features/training-rows';
import { TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { DAY_MS as DAY } from '../../../lib/time';

function shop() {
  const builder = new TransactionTableBuilder();
  builder.add({ customerId: 'early', time: 1 * DAY, amount: 10 });
  builder.add({ customerId: 'early', time: 12 * DAY, amount: 25 });
  builder.add({ customerId: 'early', time: 13 * DAY, amount: -40 });
  builder.add({ customerId: 'mid', time: 11 * DAY, amount: 5 });
  builder.add({ customerId: 'mid', time: 21 * DAY, amount: 7 });
  builder.add({ customerId: 'mid', time: 30 * DAY, amount: 1000 }); // at the cutoff: never a label
  builder.add({ customerId: 'late', time: 25 * DAY, amount: 3 });
  return builder.build();
}

describe('buildTrainingRows', () => {
  it('labels features at c−H with the net spend in [c−H, c), clipped at 0', async () => {
    // Act
    const rows = await withFeatureEngine(shop(), (engine) =>
      buildTrainingRows(engine, { cutoff: 30 * DAY, horizonDays: 10 }),
    );

    // Assess: population at day 20 = early, mid; early nets 25 − 40 < 0 → 0; mid spends 7.
    expect(rows.windows.map((w) => w.asOf)).toEqual([20 * DAY]);
    expect(Array.from(rows.features.customers)).toEqual([0, 1]);
    expect(Array.from(rows.label)).toEqual([0, 7]);
  });

  it('stacks rolling windows, each with its own population', async () => {
    // Act
    const rows = await withFeatureEngine(shop(), (engine) =>
      buildTrainingRows(engine, { cutoff: 30 * DAY, horizonDays: 10, rollingCutoffs: 3 }),
    );

    // Assess: day 20 → early, mid; day 10 → early only (labels 0 then 10−… : 25 − 40 + 5? no, per customer);
    // day 0 → nobody, skipped.
    expect(rows.windows.map((w) => w.asOf)).toEqual([20 * DAY, 10 * DAY]);
    expect(rows.features.rows).toBe(3);
    expect(Array.from(rows.features.customers)).toEqual([0, 1, 0]);
    expect(Array.from(rows.label)).toEqual([0, 7, 0]);
    const frequency = rows.features.names.indexOf('frequency');
    expect(rows.features.values[2 * rows.features.cols + frequency]).toBe(0);
  });

  it('says what to change when nobody is visible one horizon before the cutoff', async () => {
    await expect(
      withFeatureEngine(shop(), (engine) => buildTrainingRows(engine, { cutoff: 5 * DAY, horizonDays: 10 })),
    ).rejects.toThrow(NoTrainingHistoryError);
  });
});

describe('buildTruth', () => {
  it('sums each scored customer’s net spend over the horizon after as-of, clipped at 0', async () => {
    // Act
    const truth = await withFeatureEngine(shop(), (engine) =>
      buildTruth(engine, Int32Array.from([0, 1, 2]), 12 * DAY, 20),
    );

    // Assess: early 25 − 40 → 0; mid 7 + 1000 (day 30 < day 32); late 3.
    expect(Array.from(truth)).toEqual([0, 1007, 3]);
  });
});
