/**
 * Metrics of the out-of-time benchmark (docs/accuracy-protocol.md), following the definitions of
 * google/lifetime_value. `actual` is the true spend over the horizon, `predicted` a system's forecast, one
 * entry per scored customer in the same order. A metric that is undefined on the data (e.g. Gini when
 * nobody spent, AUC when everybody returned) is NaN, which JSON writes as null.
 */
export interface Metrics {
  gini: number;
  spearman: number;
  decileMape: number;
  mae: number;
  rmse: number;
  top10Share: number;
  aucReturn: number;
  /** Predicted total / actual total: the level budgets use (1 = right; NaN when nobody spent). */
  totalRatio: number;
}

type Values = ArrayLike<number>;

/**
 * Every metric at once, each ordering sorted once (the single metrics below sort for themselves: at a
 * million customers a sort is half a second).
 */
export function evaluateMetrics(actual: Values, predicted: Values): Metrics {
  checkLengths(actual, predicted);
  const byPrediction = descendingOrder(predicted);
  const predictedRanks = averageRanks(predicted);
  return {
    gini: gainGini(actual, byPrediction) / gainGini(actual, descendingOrder(actual)),
    spearman: pearson(averageRanks(actual), predictedRanks),
    decileMape: orderedDecileMape(actual, predicted, byPrediction),
    mae: meanAbsoluteError(actual, predicted),
    rmse: rootMeanSquaredError(actual, predicted),
    top10Share: orderedTopShare(actual, byPrediction, 0.1),
    aucReturn: rankedReturnAuc(actual, predictedRanks),
    totalRatio: totalRatio(actual, predicted),
  };
}

/** Σ predicted / Σ actual: how far the forecast's level is from what the customers spent (NaN when nobody spent). */
export function totalRatio(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  let sumActual = 0;
  let sumPredicted = 0;
  for (let i = 0; i < actual.length; i++) {
    sumActual += actual[i] as number;
    sumPredicted += predicted[i] as number;
  }
  return sumActual > 0 ? sumPredicted / sumActual : Number.NaN;
}

/**
 * Normalized Gini: order customers by prediction (descending, ties in input order), take the gain curve
 * (cumulative share of actual value), its Gini 2·mean(curve) − 1, divided by that of the perfect ordering
 * (by actual value). 1 = perfect ranking, ≈0 = random.
 */
export function normalizedGini(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  return gainGini(actual, descendingOrder(predicted)) / gainGini(actual, descendingOrder(actual));
}

function gainGini(actual: Values, order: Int32Array): number {
  let total = 0;
  for (let i = 0; i < actual.length; i++) total += actual[i] as number;
  let cumulative = 0;
  let area = 0;
  for (const i of order) {
    cumulative += actual[i] as number;
    area += cumulative / total;
  }
  return (2 * area) / order.length - 1;
}

/** Spearman rank correlation: Pearson correlation of average ranks (ties share their mean rank). */
export function spearman(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  return pearson(averageRanks(actual), averageRanks(predicted));
}

/**
 * Decile MAPE: 10 equal buckets by predicted rank (descending, ties in input order; sizes differ by at
 * most one); mean over buckets of |mean predicted − mean actual| / mean actual, skipping buckets whose
 * actual mean is 0 (and empty buckets when there are fewer than 10 customers).
 */
export function decileMape(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  return orderedDecileMape(actual, predicted, descendingOrder(predicted));
}

function orderedDecileMape(actual: Values, predicted: Values, order: Int32Array): number {
  const n = actual.length;
  const sumActual = new Float64Array(10);
  const sumPredicted = new Float64Array(10);
  const count = new Float64Array(10);
  order.forEach((i, rank) => {
    const bucket = Math.floor((rank * 10) / n);
    sumActual[bucket] = (sumActual[bucket] as number) + (actual[i] as number);
    sumPredicted[bucket] = (sumPredicted[bucket] as number) + (predicted[i] as number);
    count[bucket] = (count[bucket] as number) + 1;
  });
  let errors = 0;
  let buckets = 0;
  for (let b = 0; b < 10; b++) {
    const size = count[b] as number;
    if (size === 0 || sumActual[b] === 0) continue;
    const meanActual = (sumActual[b] as number) / size;
    errors += Math.abs((sumPredicted[b] as number) / size - meanActual) / meanActual;
    buckets++;
  }
  return buckets > 0 ? errors / buckets : Number.NaN;
}

export function meanAbsoluteError(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (predicted[i] as number));
  return sum / actual.length;
}

export function rootMeanSquaredError(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += ((actual[i] as number) - (predicted[i] as number)) ** 2;
  return Math.sqrt(sum / actual.length);
}

/**
 * Share of the total actual value held by the top `fraction` of customers by prediction (descending, ties
 * in input order); the top group has round(fraction · n) customers, at least one.
 */
export function topShare(actual: Values, predicted: Values, fraction: number): number {
  checkLengths(actual, predicted);
  return orderedTopShare(actual, descendingOrder(predicted), fraction);
}

function orderedTopShare(actual: Values, order: Int32Array, fraction: number): number {
  const top = Math.max(1, Math.round(fraction * order.length));
  let total = 0;
  let held = 0;
  order.forEach((i, rank) => {
    total += actual[i] as number;
    if (rank < top) held += actual[i] as number;
  });
  return held / total;
}

/**
 * AUC of "returning" (actual > 0) scored by the prediction: the probability that a returning customer is
 * ranked above a non-returning one, ties counting one half (Mann-Whitney with average ranks).
 */
export function returnAuc(actual: Values, predicted: Values): number {
  checkLengths(actual, predicted);
  return rankedReturnAuc(actual, averageRanks(predicted));
}

function rankedReturnAuc(actual: Values, ranks: Float64Array): number {
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < actual.length; i++) {
    if ((actual[i] as number) > 0) {
      positives++;
      rankSum += ranks[i] as number;
    }
  }
  const negatives = actual.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Indices sorted by value, descending; equal values keep their input order. */
function descendingOrder(values: Values): Int32Array {
  const order = Int32Array.from({ length: values.length }, (_, i) => i);
  const keys = Float64Array.from(values);
  return order.sort((i, j) => (keys[j] as number) - (keys[i] as number) || i - j);
}

/** 1-based ranks, ascending; tied values get the mean of the ranks they span. */
function averageRanks(values: Values): Float64Array {
  const n = values.length;
  const keys = Float64Array.from(values);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (keys[i] as number) - (keys[j] as number),
  );
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && keys[order[end] as number] === keys[order[start] as number]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    start = end;
  }
  return ranks;
}

function pearson(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant side carries no ranking: the correlation is undefined (0/0), reported as NaN.
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** Predictions and truth are not aligned: a caller bug, never a data condition. */
export class MetricInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricInputError';
  }
}

function checkLengths(actual: Values, predicted: Values): void {
  if (actual.length !== predicted.length)
    throw new MetricInputError(`actual has ${actual.length} values but predicted has ${predicted.length}`);
  if (actual.length === 0) throw new MetricInputError('no customers to evaluate');
}
