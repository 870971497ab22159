import { describe, expect, it } from 'vitest';
import {
  applyCalibration,
  fitCalibrationMap,
  IDENTITY_CALIBRATION,
  mapValue,
} from '../../../lib/model/calibration';

describe('fitCalibrationMap', () => {
  it('learns that a network predicting half the spend must be doubled', () => {
    // Prepare: 300 customers, the network says v, they spent 2v.
    const predicted = Float32Array.from({ length: 300 }, (_, i) => 1 + i);
    const actual = predicted.map((v) => 2 * v);

    // Act
    const map = fitCalibrationMap(predicted, actual);

    // Assess: 10 buckets of 30; each knot's y is twice its x, and so is any value in between or beyond.
    expect(map.x).toHaveLength(10);
    map.x.forEach((x, i) => {
      expect(map.y[i]).toBeCloseTo(2 * x, 6);
    });
    expect(mapValue(map, 100)).toBeCloseTo(200, 4);
    expect(mapValue(map, 1000)).toBeCloseTo(2000, 3);
    expect(mapValue(map, 0.5)).toBeCloseTo(1, 6);
  });

  it('pools buckets whose spend goes down as the prediction goes up, and floors spend-free buckets', () => {
    // Prepare: 60 customers in 2 buckets by hand: predicted 1 (spent 10 each) and 2 (spent 4 each).
    const predicted = [...Array(30).fill(1), ...Array(30).fill(2)];
    const actual = [...Array(30).fill(10), ...Array(30).fill(4)];
    const zeros = Array(60).fill(0);
    zeros[59] = 6;

    // Act
    const pooled = fitCalibrationMap(predicted, actual);
    const floored = fitCalibrationMap(predicted, zeros);

    // Assess: one pooled knot at x = 1.5 (mean prediction), y = 7 (mean spend); the low bucket with no
    // spend keeps y = 2% of its x so it stays above 0 and below the next knot (0.2 = 6 / 30).
    expect(pooled).toEqual({ x: [1.5], y: [7] });
    expect(floored.x).toEqual([1, 2]);
    expect(floored.y[0]).toBeCloseTo(0.02, 12);
    expect(floored.y[1]).toBeCloseTo(0.2, 12);
  });

  it('returns the identity when there are too few customers or nobody spent', () => {
    expect(fitCalibrationMap([1, 2, 3], [1, 2, 3])).toEqual({ x: [1], y: [1] });
    expect(fitCalibrationMap(Array(100).fill(1), Array(100).fill(0))).toEqual({ x: [1], y: [1] });
  });
});

describe('applyCalibration', () => {
  it('maps the network value, then averages the column in', () => {
    // Prepare: doubling map, half-and-half average with a column.
    const calibration = { blendColumn: 'bg', blendWeight: 0.5, x: [1, 10], y: [2, 20] };
    const network = [0, 2, 4, 6];
    const column = [2, 2, 0, 10];

    // Act
    const out = applyCalibration(calibration, network, column);
    const identity = applyCalibration(IDENTITY_CALIBRATION, Float32Array.of(3, 0, 7.5));

    // Assess: mapped = [0, 4, 8, 12], averaged with [2, 2, 0, 10].
    expect(Array.from(out)).toEqual([1, 3, 4, 11]);
    expect(Array.from(identity)).toEqual([3, 0, 7.5]);
  });

  it('multiplies every prediction by the level factor, after the average', () => {
    const calibration = { blendColumn: 'bg', blendWeight: 0.5, x: [1, 10], y: [2, 20], levelFactor: 1.5 };
    expect(Array.from(applyCalibration(calibration, [0, 2], [2, 2]))).toEqual([1.5, 4.5]);
  });

  it('refuses a blending calibration without the column values', () => {
    expect(() => applyCalibration({ blendColumn: 'bg', blendWeight: 0.3, x: [1], y: [1] }, [1])).toThrow(
      /bg/,
    );
  });
});
