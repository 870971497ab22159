import { describe, expect, it } from 'vitest';
import { withFeatureEngine } from '../../../lib/features/feature-engine';
import { predictLastWindow } from '../../../lib/features/training-rows';
import { TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { DAY_MS as DAY } from '../../../lib/time';

describe('last-window baseline', () => {
  it('repeats the net spend of the last H days, clipped at 0, and ignores anything at or after as-of', async () => {
    // Prepare
    const builder = new TransactionTableBuilder();
    builder.add({ customerId: 'a', time: 0, amount: 100 }); // before the window
    builder.add({ customerId: 'a', time: 5 * DAY, amount: 30 });
    builder.add({ customerId: 'a', time: 8 * DAY, amount: -10 });
    builder.add({ customerId: 'a', time: 10 * DAY, amount: 999 }); // at as-of: not visible
    builder.add({ customerId: 'b', time: 6 * DAY, amount: -40 });
    const table = builder.build();

    // Act
    const predictions = await withFeatureEngine(table, (engine) =>
      predictLastWindow(engine, Int32Array.from([0, 1]), 10 * DAY, 7),
    );

    // Assess
    expect(Array.from(predictions)).toEqual([20, 0]);
  });
});
