import { DAY_MS } from '../time';
import type { OrderLogOptions, ShopDynamics } from './order-log';

/**
 * A simulated shop in a situation real shops are in (fast growth, a promotional burst, a holiday peak that
 * ends at the cutoff, …), with the cutoff and horizon it is forecast at. The design suite
 * (`bench/accuracy.ts --design`) runs each with several seeds: the situations are what a model of the
 * money level must survive on shops nobody has seen.
 */
export interface ShopScenario {
  name: string;
  /** What the situation is and what it tests, for the suite's documentation. */
  description: string;
  shop: Omit<OrderLogOptions, 'seed'>;
  /** Last visible day, YYYY-MM-DD. */
  cutoff: string;
  horizonDays: number;
}

/** Day of the year (0 = 1 January) of an instant. */
function dayOfYear(time: number): number {
  const date = new Date(time);
  return Math.floor((time - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS);
}

/** Days from `start` (YYYY-MM-DD) to `date` (YYYY-MM-DD). */
function daysBetween(start: string, date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS);
}

/**
 * A holiday season: every customer buys `peak` times as often from late November to Christmas (ramping
 * up over the week before Black Friday), a little less in January and in summer.
 */
export function holidaySeason(peak: number): (time: number) => number {
  return (time) => {
    const day = dayOfYear(time);
    if (day >= 316 && day < 323) return 1 + ((peak - 1) * (day - 315)) / 8; // 12–19 November: ramp
    if (day >= 323 && day < 358) return peak; // 19 November – 24 December
    if (day < 31) return 0.8;
    if (day >= 181 && day < 243) return 0.9; // July, August
    return 1;
  };
}

/** Whether a day of the period (from `start`) falls in one of the given [from, to) date ranges. */
function inRanges(start: string, ranges: readonly [string, string][]): (day: number) => boolean {
  const spans = ranges.map(([from, to]) => [daysBetween(start, from), daysBetween(start, to)] as const);
  return (day) => spans.some(([from, to]) => day >= from && day < to);
}

/** Black Friday week (and the weekend after) of each year a scenario covers. */
const BLACK_FRIDAYS: [string, string][] = [
  ['2022-11-25', '2022-12-01'],
  ['2023-11-24', '2023-11-30'],
  ['2024-11-29', '2024-12-05'],
];
/** A summer sale week. */
const SUMMER_SALES: [string, string][] = [
  ['2023-07-03', '2023-07-10'],
  ['2024-07-01', '2024-07-08'],
];

/** Promotional cohorts that come back less: a lower purchase rate, twice the churn. */
const POOR_COHORT = { rate: 0.45, churn: 2 };
const EQUAL_COHORT = { rate: 1, churn: 1 };

function burstDynamics(start: string, cohort: { rate: number; churn: number }): ShopDynamics {
  const burst = inRanges(start, [...BLACK_FRIDAYS, ...SUMMER_SALES]);
  return {
    acquisition: (day) => (burst(day) ? 12 : 1),
    cohort: (day) => (burst(day) ? cohort : EQUAL_COHORT),
  };
}

/**
 * The scenarios, one cutoff each. Two years of history unless said; 4,000 customers (the dtc shop 6,000).
 * Their opposites sit beside them: growth / shrinking, poor / equal promotional cohorts, a holiday peak
 * that ends at the cutoff / one that lies ahead in the horizon, a young shop / an old one, a single
 * ageing cohort / steady acquisition.
 */
export const SHOP_SCENARIOS: readonly ShopScenario[] = [
  {
    name: 'steady',
    description: 'customers acquired evenly, mild seasons: the control',
    shop: { customers: 4000, start: '2023-01-01', days: 730, dynamics: { acquisition: () => 1 } },
    cutoff: '2024-06-30',
    horizonDays: 90,
  },
  {
    name: 'growth',
    description: 'acquisition grows tenfold over two years: the scored base is young',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730,
      dynamics: { acquisition: (day) => Math.exp((Math.log(10) * day) / 730) },
    },
    cutoff: '2024-09-30',
    horizonDays: 90,
  },
  {
    name: 'shrinking',
    description: 'acquisition falls eightfold over two years: the scored base is old',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730,
      dynamics: { acquisition: (day) => Math.exp((-Math.log(8) * day) / 730) },
    },
    cutoff: '2024-06-30',
    horizonDays: 90,
  },
  {
    name: 'bursts-poor',
    description:
      'Black Friday and summer-sale weeks acquire 12× the usual customers, who buy at 0.45× the rate and churn twice as often; cutoff two weeks after Black Friday',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730 + 90,
      dynamics: burstDynamics('2023-01-01', POOR_COHORT),
    },
    cutoff: '2024-12-15',
    horizonDays: 90,
  },
  {
    name: 'bursts-equal',
    description: 'the same bursts, whose customers are like any others',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730 + 90,
      dynamics: burstDynamics('2023-01-01', EQUAL_COHORT),
    },
    cutoff: '2024-12-15',
    horizonDays: 90,
  },
  {
    name: 'holiday-end',
    description:
      'everyone buys 2.5× as often from late November to Christmas; the cutoff falls right after it',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730 + 121,
      dynamics: { acquisition: (day) => (day < 730 ? 1 : 0), season: holidaySeason(2.5) },
    },
    cutoff: '2024-12-31',
    horizonDays: 121,
  },
  {
    name: 'holiday-ahead',
    description: 'the same shop at the end of September: the horizon holds the peak',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 730,
      dynamics: { acquisition: () => 1, season: holidaySeason(2.5) },
    },
    cutoff: '2024-09-30',
    horizonDays: 91,
  },
  {
    name: 'young-holiday',
    description:
      'a one-year-old shop with a 2× holiday peak that ends at the cutoff: no earlier season to learn it from',
    shop: {
      customers: 4000,
      start: '2024-01-01',
      days: 366 + 121,
      dynamics: { acquisition: (day) => (day < 366 ? 1 : 0), season: holidaySeason(2) },
    },
    cutoff: '2024-12-31',
    horizonDays: 121,
  },
  {
    name: 'young',
    description: 'a one-year-old shop wanting a six-month forecast (the common case)',
    shop: { customers: 4000, start: '2024-01-01', days: 366 + 181, dynamics: { acquisition: () => 1 } },
    cutoff: '2024-12-31',
    horizonDays: 181,
  },
  {
    name: 'old',
    description: 'a three-year-old shop, steady, at the end of March',
    shop: { customers: 6000, start: '2022-01-01', days: 1095, dynamics: { acquisition: () => 1 } },
    cutoff: '2024-03-31',
    horizonDays: 90,
  },
  {
    name: 'cohort',
    description:
      'one cohort acquired in the first quarter, ageing: a year later, a six-month forecast (as CDNOW)',
    shop: {
      customers: 4000,
      start: '2023-01-01',
      days: 365 + 181,
      dynamics: { acquisition: (day) => (day < 90 ? 1 : 0) },
    },
    cutoff: '2023-12-31',
    horizonDays: 181,
  },
  {
    name: 'dtc',
    description:
      'a direct-to-consumer shop: quiet until summer, then orders grow about tenfold in five months, most of it a Black Friday burst of customers who come back less; 2× holiday peak; cutoff right after it',
    shop: {
      customers: 6000,
      start: '2024-01-01',
      days: 366 + 121,
      dynamics: {
        acquisition: (day) => {
          if (day >= 366) return 0;
          const growth = day < 213 ? 1 : Math.exp((Math.log(6) * (day - 213)) / 120);
          return inRanges('2024-01-01', BLACK_FRIDAYS)(day) ? 60 : Math.min(growth, 8);
        },
        season: holidaySeason(2),
        cohort: (day) => (inRanges('2024-01-01', BLACK_FRIDAYS)(day) ? POOR_COHORT : EQUAL_COHORT),
      },
    },
    cutoff: '2024-12-31',
    horizonDays: 121,
  },
];
