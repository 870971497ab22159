import { describe, expect, it } from 'vitest';
import { predictionsCsv } from '../../../lib/registry/predictions-csv';
import { decileOf, parseBatchScores } from '../../../lib/serving/batch-scores';

describe('batch scores', () => {
  it('indexes predictions.csv by customer id, unescaping formula-guarded ids', () => {
    // Prepare
    const csv = predictionsCsv(
      { customerIds: ['a', '=b', 'c,d'], value: Float32Array.from([3, 2, 1]), pReturn: undefined },
      'v1',
    );

    // Act
    const { byId } = parseBatchScores(csv);

    // Assess
    expect(byId.get('=b')).toEqual({
      id: '=b',
      predictedValue: 2,
      pReturn: null,
      valueDecile: 4,
      modelVersion: 'v1',
    });
    expect(byId.get('c,d')?.valueDecile).toBe(7);
    expect(byId.get('a')?.valueDecile).toBe(1);
  });

  it('gives a batch-scored value its own batch decile', () => {
    // Prepare
    const value = Float32Array.from({ length: 50 }, (_, i) => (i * 37) % 50);
    const customerIds = Array.from(value, (_, i) => `c${i}`);
    const { byId, decileFloors } = parseBatchScores(
      predictionsCsv({ customerIds, value, pReturn: value }, 'v1'),
    );

    // Act
    const deciles = [...byId.values()].map((row) => [
      decileOf(row.predictedValue, decileFloors),
      row.valueDecile,
    ]);

    // Assess
    for (const [served, batch] of deciles) expect(served).toBe(batch);
    expect(decileOf(1e9, decileFloors)).toBe(1);
    expect(decileOf(-1, decileFloors)).toBe(10);
  });

  it("gives back every id as written, whether it starts with ' or with a formula character", () => {
    // Prepare: ids a shop could have, including ones that look already escaped.
    const customerIds = ["'abc", "'=1+2", "''", "'", '=SUM(A1)', '+44 20', '-7', '@home', "a'b", 'tab\tid'];
    const value = Float32Array.from(customerIds, (_, i) => i);

    // Act
    const { byId } = parseBatchScores(predictionsCsv({ customerIds, value, pReturn: undefined }, 'v1'));

    // Assess
    expect([...byId.keys()].sort()).toEqual([...customerIds].sort());
  });

  it('reads the outlook columns back, and leaves out the ones a model does not say', () => {
    // Prepare: one model with every outlook column, one (a customer table's) with the interval only.
    const full = predictionsCsv(
      {
        customerIds: ['a', 'b'],
        value: Float32Array.from([12.5, 3]),
        pReturn: Float32Array.from([0.5, 0.25]),
        p10: Float32Array.from([0, 0]),
        p90: Float32Array.from([40.25, 9]),
        pAlive: Float32Array.from([0.875, 0.125]),
        expectedOrders: Float32Array.from([1.5, 0.25]),
        clv: Float32Array.from([45.5, 6]),
        segment: ['top_value', 'lapsed'],
      },
      'v2',
    );
    const intervalOnly = predictionsCsv(
      {
        customerIds: ['c'],
        value: Float32Array.from([7]),
        pReturn: undefined,
        p10: Float32Array.from([1]),
        p90: Float32Array.from([20]),
      },
      'v3',
    );

    // Act
    const a = parseBatchScores(full).byId.get('a');
    const c = parseBatchScores(intervalOnly).byId.get('c');

    // Assess
    expect(full.split('\n')[1]).toBe('a,12.5,0.5,1,v2,0,40.25,0.875,1.5,45.5,top_value');
    expect(a).toEqual({
      id: 'a',
      predictedValue: 12.5,
      pReturn: 0.5,
      valueDecile: 1,
      modelVersion: 'v2',
      predictedP10: 0,
      predictedP90: 40.25,
      pAlive: 0.875,
      expectedOrders: 1.5,
      clv: 45.5,
      segment: 'top_value',
    });
    expect(intervalOnly.split('\n')[1]).toBe('c,7,,1,v3,1,20,,,,');
    expect(c).toEqual({
      id: 'c',
      predictedValue: 7,
      pReturn: null,
      valueDecile: 1,
      modelVersion: 'v3',
      predictedP10: 1,
      predictedP90: 20,
    });
  });
});
