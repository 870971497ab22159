import { describe, expect, it } from 'vitest';
import { amountProblem, MAX_ABS_AMOUNT, timeProblem } from '../../../lib/ingest/order-limits';

describe('order limits', () => {
  it('accepts ordinary amounts and returns, and names what is wrong with the rest', () => {
    expect(amountProblem(12.5)).toBeUndefined();
    expect(amountProblem(-MAX_ABS_AMOUNT)).toBeUndefined();
    expect(amountProblem(1e308)).toBe('out_of_range');
    expect(amountProblem(Number.POSITIVE_INFINITY)).toBe('not_finite');
    expect(amountProblem(Number.NaN)).toBe('not_finite');
  });

  it('accepts dates from 1970 up to now', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(timeProblem(Date.parse('2011-09-09T10:00:00Z'), now)).toBeUndefined();
    expect(timeProblem(Date.parse('1969-12-31T23:59:59Z'), now)).toBe('before_1970');
    expect(timeProblem(Date.parse('9999-12-31T00:00:00Z'), now)).toBe('in_the_future');
  });
});
