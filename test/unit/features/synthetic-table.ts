import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';
import { DAY_MS as DAY } from '../../../lib/time';

/**
 * A deterministic random shop (mulberry32), BG/NBD-like: `customers` customers joining over the first year,
 * buying at their own rate and dropping out after a purchase with their own probability, with occasional returns
 * and two countries, over `days` days from 2020-01-01.
 */
export function syntheticShop(customers: number, days = 730, seed = 7): TransactionTable {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const start = Date.UTC(2020, 0, 1);
  const builder = new TransactionTableBuilder();
  let orders = 0;
  for (let c = 0; c < customers; c++) {
    const rate = 0.005 + 0.05 * random();
    const dropOut = 0.4 * random() ** 2;
    const country = random() < 0.7 ? 'UK' : 'FR';
    for (
      let day = Math.floor(random() * 365);
      day < days;
      day += 1 + Math.floor(-Math.log(random()) / rate)
    ) {
      const orderId = `o${orders++}`;
      const time = start + day * DAY + Math.floor(random() * DAY);
      builder.add({
        customerId: `c${c}`,
        time,
        amount: 5 + 100 * random(),
        orderId,
        categories: { country },
      });
      if (random() < 0.1)
        builder.add({
          customerId: `c${c}`,
          time: time + 3600_000,
          amount: -5 * random(),
          orderId: `r${orderId}`,
        });
      if (random() < dropOut) break;
    }
  }
  return builder.build();
}
