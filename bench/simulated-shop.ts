import { type TransactionTable, TransactionTableBuilder } from '../lib/ingest/transaction-table';
import { Random } from '../lib/random';
import { DAY_MS } from '../lib/time';

const SIMULATED_START = Date.UTC(2023, 0, 1);
const SIMULATED_DAYS = 730;

/**
 * A BG/NBD shop with the generator's population (lib/generate/order-log.ts: λ ~ Gamma(0.7, 1/40) per day,
 * drop-out p ~ Beta(0.8, 4), Gamma-Gamma spend with ν ~ Gamma(4, 1/30), 1–7 lines per order, 2% returned
 * lines) straight into a TransactionTable, without seasonality or dirt: the generator formats CSV fields,
 * which at millions of customers costs more than the benchmarks that use this shop.
 * `linesScale` multiplies the lines per order (2.3 gives ≈ 20 rows per customer).
 */
export function simulatedTable(customers: number, seed: number, linesScale: number): TransactionTable {
  const random = new Random(seed);
  const builder = new TransactionTableBuilder(Math.ceil(customers * 7 * linesScale));
  const countries = ['United Kingdom', 'United Kingdom', 'Germany', 'France', 'Netherlands', 'Spain'];
  const channels = ['web', 'web', 'app', 'marketplace'];
  let orderNumber = 100_000;
  for (let c = 0; c < customers; c++) {
    const customerId = `C${String(c + 1).padStart(7, '0')}`;
    const ratePerDay = random.gamma(0.7, 1 / 40);
    const dropOut = random.beta(0.8, 4);
    const spendRate = random.gamma(4, 1 / 30);
    const categories = { country: random.pick(countries), channel: random.pick(channels) };
    let day = random.next() * SIMULATED_DAYS * 0.85;
    while (day < SIMULATED_DAYS) {
      const time = SIMULATED_START + Math.floor(day * DAY_MS);
      const orderId = String(orderNumber++);
      const value = random.gamma(6, 1 / spendRate);
      const lines = Math.round(linesScale * (1 + Math.min(6, Math.floor(random.exponential(0.8)))));
      for (let l = 0; l < lines; l++) {
        builder.add({ customerId, time, amount: value / lines, orderId, categories });
        if (random.next() < 0.02)
          builder.add({
            customerId,
            time: time + DAY_MS,
            amount: -value / lines,
            orderId: `R${orderId}`,
            categories,
          });
      }
      if (random.next() < dropOut) break;
      day += random.exponential(ratePerDay);
    }
  }
  return builder.build();
}

/** The exclusive as-of after the table's last transaction: the start of the next UTC day. */
export function dayAfterLast(table: TransactionTable): number {
  let lastTime = 0;
  for (let i = 0; i < table.length; i++) lastTime = Math.max(lastTime, table.time[i] as number);
  return (Math.floor(lastTime / DAY_MS) + 1) * DAY_MS;
}
