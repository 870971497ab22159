import {
  basketUpTo,
  expectedOrdersUpTo,
  type PurchaseHistory,
  type SeasonalLevelSpec,
} from './seasonal-level';

/** How far a customer lifetime value looks and how it discounts. */
export interface LifetimeValueOptions {
  /** Calendar months summed (whole, ≥ 1); default {@link DEFAULT_CLV_MONTHS}. */
  months: number;
  /** Annual discount rate (0.1 = 10% a year), applied continuously from the as-of date; default {@link DEFAULT_DISCOUNT_RATE}. */
  annualDiscountRate: number;
}

export const DEFAULT_CLV_MONTHS = 12;
/**
 * 10% a year: a common cost of capital for a shop's cash flows (lifetimes' customer_lifetime_value example uses
 * 1% a month, ≈ 12.7% a year; pymc-marketing defaults to none). A shop with its own rate passes it.
 */
export const DEFAULT_DISCOUNT_RATE = 0.1;
export const DEFAULT_LIFETIME_VALUE: LifetimeValueOptions = {
  months: DEFAULT_CLV_MONTHS,
  annualDiscountRate: DEFAULT_DISCOUNT_RATE,
};

const YEAR_DAYS = 365.25;

/**
 * Each customer's discounted spend over the next `months` months, derived from the horizon's prediction:
 *
 *   clv_i = v_i · Σ_k ΔE_ik · b_k · d_k / (E_i(H) · b_H)
 *
 * - v_i: the model's spend over the horizon of H days (what predictions.csv's `predicted_value` says);
 * - E_i(t): the money level's BG/NBD expected purchase days from the as-of date to t days later, on the shop's
 *   seasonal clock (lib/model/seasonal-level.ts); ΔE_ik its growth over month k (months of 365.25/12 days):
 *   the customer's own decay (drop-out and rate, as BG/NBD extrapolates them) and the seasons ahead;
 * - b_k, b_H: the mean basket index of month k and of the horizon (seasons of spend per purchase);
 * - d_k = (1 + rate)^(−t_k / 365.25), t_k the middle of month k in days: continuous discounting.
 * So the model's money figure for the horizon is stretched over the longer period by the shape of the
 * customer's BTYD forecast, not by the shop's average, and the cohort quality and Gamma-Gamma order value
 * cancel out of the ratio. A customer whose expected purchase days are 0 (nothing to take a shape from) is
 * extended at a constant rate per calendar day. Assumes the shop's seasons repeat (the clock's σ a year
 * earlier) and that BG/NBD's drop-out holds beyond the horizon it was checked on.
 */
export function lifetimeValue(
  spec: SeasonalLevelSpec,
  history: PurchaseHistory,
  value: ArrayLike<number>,
  options: LifetimeValueOptions = DEFAULT_LIFETIME_VALUE,
): Float32Array {
  const { months, annualDiscountRate } = options;
  const H = spec.horizonDays;
  const bounds = Array.from({ length: months + 1 }, (_, k) => Math.round((k * YEAR_DAYS) / 12));
  const days = [H, ...bounds.slice(1)];
  const basket = basketUpTo(spec, history.endDay, [0, ...days]);
  const horizonBasket = (basket[1] as number) / H;
  const monthBasket = bounds.slice(1).map((t, k) => {
    const from = bounds[k] as number;
    return ((basket[k + 2] as number) - (k === 0 ? 0 : (basket[k + 1] as number))) / (t - from);
  });
  const discount = bounds
    .slice(1)
    .map((t, k) => (1 + annualDiscountRate) ** (-(0.5 * (t + (bounds[k] as number))) / YEAR_DAYS));
  const flat =
    bounds
      .slice(1)
      .reduce(
        (sum, t, k) =>
          sum + (t - (bounds[k] as number)) * (monthBasket[k] as number) * (discount[k] as number),
        0,
      ) /
    (H * horizonBasket);
  const orders = expectedOrdersUpTo(spec, history, days);
  const width = days.length;
  const customers = history.start.length - 1;
  const clv = new Float32Array(customers);
  for (let r = 0; r < customers; r++) {
    const inHorizon = orders[r * width] as number;
    let ratio = flat;
    if (inHorizon > 0) {
      let sum = 0;
      let previous = 0;
      for (let k = 0; k < months; k++) {
        const upTo = orders[r * width + 1 + k] as number;
        sum += (upTo - previous) * (monthBasket[k] as number) * (discount[k] as number);
        previous = upTo;
      }
      ratio = sum / (inHorizon * horizonBasket);
    }
    const v = Math.max(0, value[r] as number);
    clv[r] = Number.isFinite(ratio) ? v * ratio : v * flat;
  }
  return clv;
}
