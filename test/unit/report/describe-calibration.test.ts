import { describe, expect, it } from 'vitest';
import { describeCalibration } from '../../../lib/report/report-data';

describe('describeCalibration', () => {
  it('says how many knots the money map has, what it was averaged with and the money level', () => {
    // Act
    const line = describeCalibration({
      knots: 10,
      blendColumn: 'bgnbd_gg_expected_spend',
      blendWeight: 0.5,
      levelFactor: 1.1234,
    });

    // Assess
    expect(line).toBe(
      'a monotone map through 10 knots fitted on held-out customers, averaged with bgnbd_gg_expected_spend (weight 0.5); scaled ×1.123 to the money level of the customer base (seasonal BG/NBD)',
    );
  });

  it('says when the network was not used because it ranked the held-out customers worse', () => {
    // Act
    const line = describeCalibration({ knots: 2, blendColumn: 'bgnbd_gg_expected_spend', blendWeight: 1 });

    // Assess
    expect(line).toContain('predictions are bgnbd_gg_expected_spend alone');
    expect(line).not.toContain('averaged');
  });

  it('is the map alone for a customer table (no blend column)', () => {
    expect(describeCalibration({ knots: 1, blendWeight: 0 })).toBe(
      'a monotone map through 1 knot fitted on held-out customers',
    );
  });
});
