/**
 * The per-customer arrays of an evaluation, reduced to the few hundred numbers a chart draws: the page
 * stays small (and holds no customer's row) whether 500 or 1,000,000 customers were scored.
 */

/** Points of a gain curve: `y[i]` = share of the total actual value held by the first `x[i]` share of customers. */
export interface GainCurve {
  x: number[];
  y: number[];
}

/** Mean predicted and mean actual value of each tenth of the customers by predicted rank (1 = top). */
export interface DecileCalibration {
  predicted: number[];
  actual: number[];
  customers: number[];
}

/** Counts of values per bin `[edges[i], edges[i+1])`; the last bin includes its upper edge. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

type Values = ArrayLike<number>;

const GAIN_POINTS = 100;

/**
 * The gain curve of ranking customers by `ranking` (descending, ties in input order, as the normalized
 * Gini does), at {@link GAIN_POINTS} + 1 evenly spaced shares of customers from 0 to 1.
 */
export function gainCurve(actual: Values, ranking: Values, order = descendingOrder(ranking)): GainCurve {
  let total = 0;
  for (let i = 0; i < actual.length; i++) total += actual[i] as number;
  const n = order.length;
  const x = [0];
  const y = [0];
  let cumulative = 0;
  let taken = 0;
  for (let point = 1; point <= GAIN_POINTS; point++) {
    const upTo = Math.round((point * n) / GAIN_POINTS);
    for (; taken < upTo; taken++) cumulative += actual[order[taken] as number] as number;
    x.push(point / GAIN_POINTS);
    y.push(total > 0 ? cumulative / total : point / GAIN_POINTS);
  }
  return { x, y };
}

/** Ten equal buckets by predicted rank (sizes differ by at most one), as decile MAPE buckets them. */
export function decileCalibration(
  actual: Values,
  predicted: Values,
  order = descendingOrder(predicted),
): DecileCalibration {
  const n = order.length;
  const sumPredicted = new Array<number>(10).fill(0);
  const sumActual = new Array<number>(10).fill(0);
  const customers = new Array<number>(10).fill(0);
  order.forEach((i, rank) => {
    const bucket = Math.floor((rank * 10) / n);
    sumPredicted[bucket] = (sumPredicted[bucket] as number) + (predicted[i] as number);
    sumActual[bucket] = (sumActual[bucket] as number) + (actual[i] as number);
    customers[bucket] = (customers[bucket] as number) + 1;
  });
  const mean = (sums: number[]) => sums.map((s, b) => (customers[b] ? s / (customers[b] as number) : 0));
  return { predicted: mean(sumPredicted), actual: mean(sumActual), customers };
}

/**
 * Histogram of non-negative values on a 1-2-5 logarithmic scale (spend is heavy-tailed: a linear scale
 * puts nearly everyone in the first bin). The first bin is [0, lowest edge); edges end at or above the max.
 */
export function valueHistogram(values: Values): Histogram {
  let max = 0;
  let minPositive = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    max = Math.max(max, v);
    if (v > 0) minPositive = Math.min(minPositive, v);
  }
  // At most four decades below the largest value: smaller values share the first bin with the zeros.
  let edge = niceFloor(max > 0 ? Math.max(minPositive, max / 1e4) : 1);
  const edges = [0, edge];
  while (edge < max) {
    edge = nextNice(edge);
    edges.push(edge);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = Math.min(upperBound(edges, Math.max(0, values[i] as number)) - 1, counts.length - 1);
    counts[bin] = (counts[bin] as number) + 1;
  }
  // The first bin [0, lowest edge) only holds values too small to chart apart: drop it when empty.
  return counts[0] === 0 && counts.length > 1
    ? { edges: edges.slice(1), counts: counts.slice(1) }
    : { edges, counts };
}

/** Up to this many values, {@link descendingOrder} packs value and index into one exactly sortable number. */
const PACKED_SORT_MAX = 1 << 21;

/**
 * Indices sorted by value, descending; equal values keep their input order (the metrics' order). Float32
 * values (predictions, truth) take one typed-array sort of float64 keys holding the value's order-preserving
 * 32 bits above a 21-bit index — exact below 2^53, about 7× faster than a comparator sort of 1M indices.
 */
export function descendingOrder(values: Values): Int32Array {
  const n = values.length;
  if (!(values instanceof Float32Array) || n > PACKED_SORT_MAX) {
    const keys = Float64Array.from(values);
    return Int32Array.from({ length: n }, (_, i) => i).sort(
      (i, j) => (keys[j] as number) - (keys[i] as number) || i - j,
    );
  }
  const float = new Float32Array(1);
  const bits = new Uint32Array(float.buffer);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    float[0] = v === 0 ? 0 : v; // -0 ties with 0, as in a comparison
    const b = bits[0] as number;
    // IEEE bits → unsigned integers in the values' ascending order; subtracted from 2^32 − 1 for descending.
    const ascending = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    packed[i] = (0xffffffff - ascending) * PACKED_SORT_MAX + i;
  }
  packed.sort();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = (packed[i] as number) % PACKED_SORT_MAX;
  return order;
}

/** The largest 1, 2 or 5 × 10^k not above `value` (> 0). */
function niceFloor(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value));
  const step = [5, 2, 1].find((s) => s * decade <= value * (1 + 1e-9)) ?? 1;
  return step * decade;
}

/** The next value of the 1-2-5 sequence after a value of it. */
function nextNice(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value) + 1e-9);
  const mantissa = Math.round(value / decade);
  return mantissa === 1 ? 2 * decade : mantissa === 2 ? 5 * decade : 10 * decade;
}

/** Index of the first edge greater than `value`. */
function upperBound(edges: number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
