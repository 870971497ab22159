/**
 * The marketer's segments of predictions.csv (docs/contracts.md), in order of precedence: a customer gets
 * the first that applies. Every customer of a transaction model gets exactly one.
 */
export const SEGMENTS = ['new', 'lapsed', 'at_risk', 'top_value', 'growing', 'steady'] as const;
export type CustomerSegment = (typeof SEGMENTS)[number];

/** First purchase at most this many days before the as-of date: `new`. */
export const NEW_CUSTOMER_DAYS = 30;
/** P(alive) below this: `lapsed`. */
export const LAPSED_P_ALIVE = 0.3;
/** P(alive) below this (and not lapsed): `at_risk`. */
export const AT_RISK_P_ALIVE = 0.7;
/** Predicted spend at least this multiple of the customer's own average spend per horizon so far: `growing`. */
export const GROWING_RATIO = 1.5;

/** What each segment is and what a shop typically does with it (README, report.html). */
export const SEGMENT_DESCRIPTIONS: Record<CustomerSegment, { rule: string; action: string }> = {
  new: {
    rule: `first purchase in the last ${NEW_CUSTOMER_DAYS} days`,
    action: 'welcome them and earn the second purchase',
  },
  lapsed: {
    rule: `P(alive) below ${LAPSED_P_ALIVE}`,
    action: 'probably gone: a cheap win-back at most, leave them out of paid campaigns',
  },
  at_risk: {
    rule: `P(alive) from ${LAPSED_P_ALIVE} to ${AT_RISK_P_ALIVE}`,
    action: 'slipping away: a retention offer now, while they may still come back',
  },
  top_value: {
    rule: `in the top 10% of predicted spend, P(alive) at least ${AT_RISK_P_ALIVE}`,
    action: 'the best customers: service and loyalty, no discounts they do not need',
  },
  growing: {
    rule: `predicted spend at least ${GROWING_RATIO}× their own average per horizon so far, P(alive) at least ${AT_RISK_P_ALIVE}`,
    action: 'spending more than before: cross-sell and nurture',
  },
  steady: {
    rule: 'everyone else: likely alive, buying as before',
    action: 'regular communication',
  },
};

/** What a segment is decided from. */
export interface SegmentInput {
  /** P(alive) at the as-of date. */
  pAlive: number;
  /** Value decile among the scored customers, 1 = the top 10% of predicted spend. */
  decile: number;
  /** Days from the first purchase to the as-of date. */
  daysSinceFirst: number;
  /** Predicted spend over the horizon. */
  predicted: number;
  /** Net spend of the whole history. */
  totalSpend: number;
  horizonDays: number;
}

/**
 * The customer's segment: `new` (first purchase in the last 30 days), else `lapsed` (P(alive) < 0.3),
 * `at_risk` (P(alive) < 0.7), `top_value` (top 10% of predicted spend), `growing` (predicted spend ≥ 1.5×
 * the customer's average spend per horizon so far: total spend × H / max(days since the first purchase, H)),
 * else `steady`.
 */
export function segmentOf(input: SegmentInput): CustomerSegment {
  if (input.daysSinceFirst <= NEW_CUSTOMER_DAYS) return 'new';
  if (input.pAlive < LAPSED_P_ALIVE) return 'lapsed';
  if (input.pAlive < AT_RISK_P_ALIVE) return 'at_risk';
  if (input.decile === 1) return 'top_value';
  const pastPerHorizon =
    (Math.max(0, input.totalSpend) * input.horizonDays) / Math.max(input.daysSinceFirst, input.horizonDays);
  if (input.predicted > 0 && input.predicted >= GROWING_RATIO * pastPerHorizon) return 'growing';
  return 'steady';
}

/** Customers and predicted money of one segment (meta.json `segments`, GET /model, report.html). */
export interface SegmentSummary {
  segment: CustomerSegment;
  customers: number;
  /** Σ predicted spend over the horizon. */
  predictedValue: number;
  /** Σ lifetime value. */
  clv: number;
}

/** Every segment of {@link SEGMENTS}, in order (empty ones too), with its customers and money. */
export function summarizeSegments(
  segments: readonly string[],
  value: ArrayLike<number>,
  clv: ArrayLike<number> | undefined,
): SegmentSummary[] {
  const summary = SEGMENTS.map((segment) => ({ segment, customers: 0, predictedValue: 0, clv: 0 }));
  const at = new Map<string, number>(SEGMENTS.map((segment, i) => [segment, i]));
  segments.forEach((segment, i) => {
    const row = summary[at.get(segment) ?? -1];
    if (!row) return;
    row.customers++;
    row.predictedValue += value[i] as number;
    row.clv += clv ? (clv[i] as number) : 0;
  });
  return summary.map((row) => ({
    ...row,
    predictedValue: roundMoney(row.predictedValue),
    clv: roundMoney(row.clv),
  }));
}

function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}
