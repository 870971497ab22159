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
});
