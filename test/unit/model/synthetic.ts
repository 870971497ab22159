import type { FeatureMatrix, LabelledRows } from '../../../lib/model/feature-matrix';
import type { FitOptions } from '../../../lib/model/fit';
import { seededRandom } from '../../../lib/random';

/**
 * Synthetic shop for model tests, BTYD-style: each customer has a Gamma-distributed purchase rate,
 * a Beta-distributed chance of dropping out after each order, and a Gamma-distributed typical basket.
 * Histories run over `days`; rows are built "as of" a cutoff with the label = spend in the next
 * `horizon` days, so training (earlier cutoff) and test (later cutoff) are out of time like the product.
 */
/** A one-epoch ZILN fit: enough for tests of what a model does with its weights, not of their quality. */
export const QUICK_FIT: FitOptions = {
  architecture: 'ziln',
  seed: 1,
  epochs: 1,
  batchSize: 256,
  learningRate: 0.003,
  patience: 1,
};

export interface SyntheticShop {
  /** Features at `days − 3·horizon`, label in the following horizon. */
  readonly train: LabelledRows;
  /** Features at `days − 2·horizon`: the out-of-time window early stopping watches. */
  readonly validation: LabelledRows;
  /** Features at `days − horizon`, label in the last horizon (out of time relative to both). */
  readonly test: LabelledRows;
}

export const SYNTHETIC_FEATURES = [
  'recency_days',
  'frequency',
  'tenure_days',
  'total_spend',
  'mean_order_value',
  'max_order_value',
  'spend_last_horizon',
  'orders_last_horizon',
  'returns',
  'noise',
];

interface Order {
  day: number;
  amount: number;
}

export function syntheticShop(
  customers: number,
  seed: number,
  options: { days?: number; horizon?: number } = {},
): SyntheticShop {
  const days = options.days ?? 630;
  const horizon = options.horizon ?? 90;
  const random = seededRandom(seed);
  const histories: Order[][] = [];
  for (let i = 0; i < customers; i++) {
    const rate = gamma(random, 0.6, 0.03 / 0.6);
    const dropout = beta(random, 1, 5);
    const basket = gamma(random, 2, 30);
    const orders: Order[] = [];
    let day = random() * days;
    for (;;) {
      const amount = gamma(random, 3, basket / 3) * (random() < 0.05 ? -0.5 : 1);
      orders.push({ day, amount });
      if (random() < dropout) break;
      day += -Math.log(1 - random()) / rate;
      if (day >= days) break;
    }
    histories.push(orders);
  }
  return {
    train: rowsAsOf(histories, days - 3 * horizon, horizon, random),
    validation: rowsAsOf(histories, days - 2 * horizon, horizon, random),
    test: rowsAsOf(histories, days - horizon, horizon, random),
  };
}

function rowsAsOf(histories: Order[][], cutoff: number, horizon: number, random: () => number): LabelledRows {
  const cols = SYNTHETIC_FEATURES.length;
  const values: number[] = [];
  const labels: number[] = [];
  const customers: number[] = [];
  histories.forEach((orders, customer) => {
    const seen = orders.filter((o) => o.day <= cutoff);
    const first = seen[0];
    const last = seen[seen.length - 1];
    if (!first || !last) return;
    const purchases = seen.filter((o) => o.amount > 0);
    const total = seen.reduce((s, o) => s + o.amount, 0);
    const recent = seen.filter((o) => o.day > cutoff - horizon);
    values.push(
      cutoff - last.day,
      seen.length - 1,
      cutoff - first.day,
      total,
      purchases.length ? purchases.reduce((s, o) => s + o.amount, 0) / purchases.length : 0,
      Math.max(0, ...purchases.map((o) => o.amount)),
      recent.reduce((s, o) => s + o.amount, 0),
      recent.length,
      seen.filter((o) => o.amount < 0).reduce((s, o) => s + o.amount, 0),
      random(),
    );
    const future = orders.filter((o) => o.day > cutoff && o.day <= cutoff + horizon);
    labels.push(
      Math.max(
        0,
        future.reduce((s, o) => s + o.amount, 0),
      ),
    );
    customers.push(customer);
  });
  const features: FeatureMatrix = {
    names: [...SYNTHETIC_FEATURES],
    rows: labels.length,
    cols,
    values: Float32Array.from(values),
    customers: Int32Array.from(customers),
  };
  return { features, label: Float32Array.from(labels) };
}

/** Marsaglia–Tsang gamma sampler (shape k, scale θ). */
function gamma(random: () => number, k: number, theta: number): number {
  if (k < 1) return gamma(random, k + 1, theta) * random() ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * theta;
  }
}

function beta(random: () => number, a: number, b: number): number {
  const x = gamma(random, a, 1);
  return x / (x + gamma(random, b, 1));
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
