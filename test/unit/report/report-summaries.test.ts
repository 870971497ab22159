import { describe, expect, it } from 'vitest';
import {
  decileCalibration,
  descendingOrder,
  gainCurve,
  valueHistogram,
} from '../../../lib/report/report-summaries';

describe('gainCurve', () => {
  it('accumulates the actual value in the order of the ranking, at 101 shares of customers', () => {
    // Prepare: 100 customers, only the last one spent; one ranking finds them first, one last.
    const actual = Float32Array.from({ length: 100 }, (_, i) => (i === 99 ? 50 : 0));
    const best = Float32Array.from({ length: 100 }, (_, i) => i);
    const worst = Float32Array.from({ length: 100 }, (_, i) => -i);

    // Act
    const found = gainCurve(actual, best);
    const missed = gainCurve(actual, worst);

    // Assess
    expect(found.x).toHaveLength(101);
    expect(found.x[0]).toBe(0);
    expect(found.x[100]).toBe(1);
    expect(found.y.slice(0, 3)).toEqual([0, 1, 1]);
    expect(missed.y[99]).toBe(0);
    expect(missed.y[100]).toBe(1);
  });

  it('breaks ties in input order, as the normalized Gini does', () => {
    // Prepare: a constant prediction; one spender first in the input, one last.
    const first = Float32Array.from({ length: 100 }, (_, i) => (i === 0 ? 1 : 0));
    const last = Float32Array.from({ length: 100 }, (_, i) => (i === 99 ? 1 : 0));

    // Act
    const early = gainCurve(first, new Float32Array(100));
    const late = gainCurve(last, new Float32Array(100));

    // Assess
    expect(early.y[1]).toBe(1);
    expect(late.y[99]).toBe(0);
  });

  it('is the diagonal when nobody spent', () => {
    // Act
    const curve = gainCurve(
      new Float32Array(20),
      Float32Array.from({ length: 20 }, (_, i) => i),
    );

    // Assess
    expect(curve.y).toEqual(curve.x);
  });
});

describe('decileCalibration', () => {
  it('averages prediction and truth over ten equal groups by predicted rank, top first', () => {
    // Prepare: customer i is predicted i and spent 2i.
    const predicted = Float32Array.from({ length: 20 }, (_, i) => i);
    const actual = Float32Array.from(predicted, (p) => 2 * p);

    // Act
    const deciles = decileCalibration(actual, predicted);

    // Assess
    expect(deciles.customers).toEqual(new Array(10).fill(2));
    expect(deciles.predicted[0]).toBe(18.5);
    expect(deciles.actual[0]).toBe(37);
    expect(deciles.predicted[9]).toBe(0.5);
    expect(deciles.actual[9]).toBe(1);
  });

  it('leaves empty groups at 0 with fewer than ten customers', () => {
    // Act
    const deciles = decileCalibration(Float32Array.of(4, 2), Float32Array.of(1, 3));

    // Assess
    expect(deciles.customers.reduce((a, b) => a + b)).toBe(2);
    expect(deciles.actual[0]).toBe(2);
    expect(deciles.actual[5]).toBe(4);
    expect(deciles.actual[1]).toBe(0);
  });
});

describe('valueHistogram', () => {
  it('bins on a 1-2-5 scale up to the largest value, counting every value once', () => {
    // Prepare
    const values = Float32Array.of(0, 0, 1.5, 3, 7, 15, 999);

    // Act
    const { edges, counts } = valueHistogram(values);

    // Assess: the zeros share [0, 1), the max falls in the last bin.
    expect(edges).toEqual([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    expect(counts).toEqual([2, 1, 1, 1, 1, 0, 0, 0, 0, 1]);
  });

  it('keeps at most four decades below the largest value and drops an empty first bin', () => {
    // Prepare: tiny positive values sit with the zeros only when they are below max / 10^4.
    const wide = valueHistogram(Float32Array.of(0.0001, 50_000));
    const positive = valueHistogram(Float32Array.of(3, 40));

    // Assess
    expect(wide.edges.slice(0, 2)).toEqual([0, 5]);
    expect(wide.counts[0]).toBe(1);
    expect(positive.edges).toEqual([2, 5, 10, 20, 50]);
    expect(positive.counts).toEqual([1, 0, 0, 1]);
  });

  it('has one bin when every value is 0', () => {
    // Act
    const { edges, counts } = valueHistogram(new Float32Array(5));

    // Assess
    expect(edges).toEqual([0, 1]);
    expect(counts).toEqual([5]);
  });
});

describe('descendingOrder', () => {
  it('orders Float32 values exactly as a comparator sort does: descending, ties in input order', () => {
    // Prepare: ties, signed zeros, tiny and infinite values, negatives.
    const pool = [0, -0, -3.5, 2, 1e-30, -1e-30, 7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2];
    const values = Float32Array.from(
      { length: 5000 },
      (_, i) => (pool[(i * 7) % pool.length] as number) * ((i % 3) + 1),
    );
    const keys = Float64Array.from(values);
    const expected = Int32Array.from({ length: values.length }, (_, i) => i).sort(
      (i, j) => (keys[j] as number) - (keys[i] as number) || i - j,
    );

    // Act
    const order = descendingOrder(values);

    // Assess
    expect(Array.from(order)).toEqual(Array.from(expected));
  });

  it('sorts plain number arrays the same way', () => {
    // Act / Assess
    expect(Array.from(descendingOrder([1, 3, 3, 2]))).toEqual([1, 2, 3, 0]);
  });
});
