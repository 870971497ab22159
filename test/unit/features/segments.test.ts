import { describe, expect, it } from 'vitest';
import { SEGMENTS, type SegmentInput, segmentOf, summarizeSegments } from '../../../lib/features/segments';

const steady: SegmentInput = {
  pAlive: 0.9,
  decile: 5,
  daysSinceFirst: 400,
  predicted: 50,
  totalSpend: 200,
  horizonDays: 90,
};

describe('segments', () => {
  it('gives each customer the first segment that applies', () => {
    // Act
    const segments = [
      { ...steady, daysSinceFirst: 1, pAlive: 0.1 },
      { ...steady, pAlive: 0.29, decile: 1 },
      { ...steady, pAlive: 0.5, decile: 1 },
      { ...steady, decile: 1, predicted: 500 },
      { ...steady, predicted: 68 },
      { ...steady, predicted: 67 },
    ].map(segmentOf);

    // Assess: 200 over 400 days is 45 per 90 days; growing from 1.5 × 45 = 67.5.
    expect(segments).toEqual(['new', 'lapsed', 'at_risk', 'top_value', 'growing', 'steady']);
  });

  it('sums customers and money per segment, every segment listed in order', () => {
    // Act
    const summary = summarizeSegments(['steady', 'new', 'steady'], [10, 2.5, 5], [30, 5, 12]);

    // Assess
    expect(summary.map((s) => s.segment)).toEqual([...SEGMENTS]);
    expect(summary.find((s) => s.segment === 'steady')).toEqual({
      segment: 'steady',
      customers: 2,
      predictedValue: 15,
      clv: 42,
    });
    expect(summary.find((s) => s.segment === 'lapsed')?.customers).toBe(0);
  });
});
