import { Random } from '../random';
import { DAY_MS } from '../time';

/** Parameters of the simulated shop. Defaults give a plausible mid-size online shop over two years. */
export interface OrderLogOptions {
  customers: number;
  seed?: number;
  /** First day of the simulated period, YYYY-MM-DD (UTC). */
  start?: string;
  days?: number;
  /** Share of lines exported without a customer id or with a broken quantity, as real exports have. */
  dirtyRate?: number;
  /**
   * How the shop changes over time (growth, acquisition bursts, a holiday peak, cohorts of other quality):
   * default a steady shop, customers acquired evenly over the first 85% of the period, monthly seasonality.
   */
  dynamics?: ShopDynamics;
}

/** Time-varying parts of a simulated shop; each defaults to the steady shop's. */
export interface ShopDynamics {
  /** Relative rate of first purchases on day `day` of the period (≥ 0). */
  acquisition?: (day: number) => number;
  /** Purchase-rate factor of every customer at instant `time` (epoch ms, > 0): the shop's seasons. */
  season?: (time: number) => number;
  /**
   * Quality of the customers acquired on day `day`, as factors of their purchase rate and of their
   * probability of churning after each purchase (promotional cohorts come back less).
   */
  cohort?: (day: number) => { rate: number; churn: number };
}

/** One exported order line, already formatted as CSV fields. */
export interface OrderLine {
  /** Epoch ms of the line: lets a writer split the export by month. */
  time: number;
  fields: string[];
}

export const ORDER_LOG_HEADER = [
  'order_id',
  'customer_id',
  'order_date',
  'sku',
  'quantity',
  'unit_price',
  'country',
  'channel',
] as const;

// Christmas peak, summer lull: purchase rates are thinned by month so the log has seasonality.
const MONTH_RATE_FACTOR = [0.9, 0.8, 0.9, 0.95, 1, 0.95, 0.85, 0.9, 1.05, 1.1, 1.3, 1.6];
const MAX_MONTH_FACTOR = Math.max(...MONTH_RATE_FACTOR);
const COUNTRIES = [
  'United Kingdom',
  'United Kingdom',
  'United Kingdom',
  'Germany',
  'France',
  'Netherlands',
  'Spain',
];
const CHANNELS = ['web', 'web', 'app', 'marketplace'];
const CATALOG_SIZE = 500;

/**
 * Simulates customers the way the BTYD literature models them, so the probabilistic baselines have real
 * signal and the DNN has real noise: each customer buys at a Poisson rate drawn from a gamma distribution
 * (heterogeneous purchase rates), may churn after each purchase with a beta-distributed probability, and
 * spends per order around a customer-specific mean (Gamma-Gamma). On top: seasonality, multi-line orders,
 * partial returns (negative lines) and a little dirt. Customers are emitted one after another, each
 * customer's lines in time order.
 */
export function* generateOrderLog(options: OrderLogOptions): Generator<OrderLine> {
  const random = new Random(options.seed ?? 42);
  const start = Date.parse(`${options.start ?? '2023-01-01'}T00:00:00Z`);
  const days = options.days ?? 730;
  const end = start + days * DAY_MS;
  const dirtyRate = options.dirtyRate ?? 0.002;
  const prices = Array.from({ length: CATALOG_SIZE }, () => Math.exp(1.5 + 0.9 * random.normal()));
  const dynamics = options.dynamics ?? {};
  const season = dynamics.season ?? monthlySeason;
  const maxSeason = dynamics.season ? largestDailyValue(season, start, days) : MAX_MONTH_FACTOR;
  const acquisitionDay = dynamics.acquisition ? inverseCdf(dynamics.acquisition, days) : undefined;
  let orderNumber = 100_000;

  for (let c = 0; c < options.customers; c++) {
    const customerId = `C${String(c + 1).padStart(7, '0')}`;
    let ratePerDay = random.gamma(0.7, 1 / 40);
    let churnAfterPurchase = random.beta(0.8, 4);
    const spendRate = random.gamma(4, 1 / 30); // ν of Gamma-Gamma
    const country = random.pick(COUNTRIES);
    const channel = random.pick(CHANNELS);
    const day = acquisitionDay ? acquisitionDay(random.next()) : random.next() * days * 0.85;
    let time = start + day * DAY_MS;
    if (dynamics.cohort) {
      const quality = dynamics.cohort(Math.floor(day));
      ratePerDay *= quality.rate;
      churnAfterPurchase = Math.min(0.98, churnAfterPurchase * quality.churn);
    }

    while (time < end) {
      const orderValue = random.gamma(6, 1 / spendRate);
      const orderId = String(orderNumber++);
      const lines = 1 + Math.min(6, Math.floor(random.exponential(0.8)));
      for (let l = 0; l < lines; l++) {
        const sku = random.int(CATALOG_SIZE);
        const unitPrice = prices[sku] as number;
        const quantity = Math.max(1, Math.round(orderValue / lines / unitPrice));
        const dirty = random.next() < dirtyRate;
        yield {
          time,
          fields: [
            orderId,
            dirty && l % 2 === 0 ? '' : customerId,
            isoDateTime(time),
            `SKU${sku}`,
            dirty && l % 2 === 1 ? 'n/a' : String(quantity),
            unitPrice.toFixed(2),
            country,
            channel,
          ],
        };
        if (random.next() < 0.02) {
          const returnTime = time + random.next() * 30 * DAY_MS;
          if (returnTime < end) {
            yield {
              time: returnTime,
              fields: [
                `R${orderId}`,
                customerId,
                isoDateTime(returnTime),
                `SKU${sku}`,
                String(-1),
                unitPrice.toFixed(2),
                country,
                channel,
              ],
            };
          }
        }
      }
      if (random.next() < churnAfterPurchase) break;
      time = nextPurchase(random, time, ratePerDay, end, season, maxSeason);
    }
  }
}

/**
 * Next purchase time of a seasonally modulated Poisson process, by thinning; `end` or later once it falls
 * past the period (a tiny rate can jump beyond the Date range, where the month is NaN and thinning never
 * accepts).
 */
function nextPurchase(
  random: Random,
  from: number,
  ratePerDay: number,
  end: number,
  season: (time: number) => number,
  maxSeason: number,
): number {
  let time = from;
  for (;;) {
    time += random.exponential(ratePerDay * maxSeason) * DAY_MS;
    if (!(time < end)) return end;
    if (random.next() < season(time) / maxSeason) return time;
  }
}

function monthlySeason(time: number): number {
  return MONTH_RATE_FACTOR[new Date(time).getUTCMonth()] as number;
}

/** The largest value of a season over the period's days (the thinning bound), sampled every 6 hours. */
function largestDailyValue(season: (time: number) => number, start: number, days: number): number {
  let largest = 0;
  for (let t = start; t < start + days * DAY_MS; t += DAY_MS / 4) largest = Math.max(largest, season(t));
  if (!(largest > 0)) throw new Error('a season must be positive somewhere in the period');
  return largest;
}

/**
 * Day of first purchase from a uniform draw, by the inverse of the acquisition rate's cumulative sum over
 * the period's days (uniform within a day), so one draw per customer as in the steady shop.
 */
function inverseCdf(rate: (day: number) => number, days: number): (u: number) => number {
  const cumulative = new Float64Array(days + 1);
  for (let d = 0; d < days; d++) cumulative[d + 1] = (cumulative[d] as number) + Math.max(0, rate(d));
  const total = cumulative[days] as number;
  if (!(total > 0)) throw new Error('an acquisition rate must be positive somewhere in the period');
  return (u) => {
    const target = u * total;
    let lo = 0;
    let hi = days;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) <= target) lo = mid;
      else hi = mid;
    }
    const width = (cumulative[lo + 1] as number) - (cumulative[lo] as number);
    return lo + (width > 0 ? (target - (cumulative[lo] as number)) / width : 0);
  };
}

function isoDateTime(time: number): string {
  return new Date(Math.floor(time / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The whole log as one CSV text with its header: small shops for tests and examples. */
export function orderLogCsv(options: OrderLogOptions): string {
  const lines = [ORDER_LOG_HEADER.join(',')];
  for (const { fields } of generateOrderLog(options)) lines.push(fields.join(','));
  return `${lines.join('\n')}\n`;
}
