import { describe, expect, it } from 'vitest';
import { TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { predictLastWindow } from '../../../lib/model/last-window';
import { DAY_MS as DAY } from '../../../lib/time';

describe('last-window baseline', () => {
  it('repeats the net spend of the last H days, clipped at 0, and ignores anything at or after as-of', () => {
    // Prepare
    const builder = new TransactionTableBuilder();
    builder.add({ customerId: 'a', time: 0, amount: 100 }); // before the window
    builder.add({ customerId: 'a', time: 5 * DAY, amount: 30 });
    builder.add({ customerId: 'a', time: 8 * DAY, amount: -10 });
    builder.add({ customerId: 'a', time: 10 * DAY, amount: 999 }); // at as-of: not visible
    builder.add({ customerId: 'b', time: 6 * DAY, amount: -40 });
    const table = builder.build();

    // Act
    const predictions = predictLastWindow(table, Int32Array.from([0, 1]), 10 * DAY, 7);

    // Assess
    expect(Array.from(predictions)).toEqual([20, 0]);
  });
});
