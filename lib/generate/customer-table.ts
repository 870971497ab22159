import { Random } from '../random';
import { DAY_MS } from '../time';

/** Parameters of a simulated labelled customer table (the seed design's input). */
export interface CustomerTableOptions {
  customers: number;
  seed?: number;
  /** Snapshot day, YYYY-MM-DD: last purchases fall in the year before it, the label is spend after it. */
  snapshot?: string;
}

export const CUSTOMER_TABLE_HEADER = [
  'Customer_ID',
  'Age',
  'Gender',
  'Purchase_Frequency',
  'Average_Spending',
  'Last_Purchase_Date',
  'Future_Value',
] as const;

/**
 * A labelled customer table as the seed design used it, one row per customer, with a known relation
 * between the columns and the label so a model has real signal to find and real noise to resist:
 * - each customer buys at a yearly rate (gamma-distributed, `Purchase_Frequency` is last year's count)
 *   and spends around a customer-specific mean (`Average_Spending`, lognormal);
 * - `Last_Purchase_Date` is more recent for frequent buyers; a long silence means the customer has
 *   probably churned (the return probability decays with days since the last purchase);
 * - `Future_Value` is zero for customers who do not come back, otherwise about next year's count times
 *   their mean spend, with lognormal noise: zero-inflated, heavy-tailed and multiplicative, as CLV is;
 * - `Age` and `Gender` carry a little signal (older customers spend a bit more) and a few missing values.
 * Deterministic for a given seed. Returns the CSV text with a header line.
 */
export function generateCustomerTableCsv(options: CustomerTableOptions): string {
  const random = new Random(options.seed ?? 7);
  const snapshot = Date.parse(`${options.snapshot ?? '2024-01-01'}T00:00:00Z`);
  const lines: string[] = [CUSTOMER_TABLE_HEADER.join(',')];
  for (let i = 0; i < options.customers; i++) {
    const age = 18 + Math.min(62, Math.floor(random.gamma(6, 3.5)));
    const gender = random.next() < 0.03 ? '' : random.pick(['F', 'M', 'F', 'M', 'X']);
    const rate = random.gamma(1.2, 4);
    const frequency = Math.max(1, poisson(random, rate));
    const meanSpend = Math.exp(3.2 + 0.6 * random.normal() + 0.008 * (age - 40));
    const averageSpending = meanSpend * Math.exp(0.15 * random.normal());
    const daysSinceLast = Math.min(364, Math.floor(random.exponential(frequency / 365)));
    const lastPurchase = snapshot - (daysSinceLast + 1) * DAY_MS;
    const pReturn = (1 - Math.exp(-rate)) * Math.exp(-daysSinceLast / 150);
    const futureValue =
      random.next() < pReturn
        ? Math.max(1, poisson(random, rate)) * meanSpend * Math.exp(0.4 * random.normal() - 0.08)
        : 0;
    lines.push(
      [
        `C${String(i + 1).padStart(6, '0')}`,
        random.next() < 0.02 ? '' : String(age),
        gender,
        String(frequency),
        averageSpending.toFixed(2),
        new Date(lastPurchase).toISOString().slice(0, 10),
        futureValue.toFixed(2),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Knuth's method; the rates here are small (a few purchases a year). */
function poisson(random: Random, rate: number): number {
  const limit = Math.exp(-rate);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
  }
  return k;
}
