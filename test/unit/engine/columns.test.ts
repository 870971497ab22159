import { describe, expect, it } from 'vitest';
import {
  createTableFromColumns,
  IdentifierError,
  readColumns,
  readStrings,
} from '../../../lib/engine/columns';
import { withDuckDb } from '../../../lib/engine/duckdb';

describe('createTableFromColumns and readColumns', () => {
  it('round-trip typed arrays across several vectors, NULL reading as the column’s missing value', async () => {
    // Prepare: more rows than one DuckDB vector (2,048) holds.
    const n = 5_000;
    const id = Int32Array.from({ length: n }, (_, i) => i - 7);
    const value = Float64Array.from({ length: n }, (_, i) => i / 3);

    // Act
    const read = await withDuckDb(async (connection) => {
      await createTableFromColumns(connection, 'numbers', { id, value });
      return readColumns(
        connection,
        'SELECT id, NULLIF(value, 1) AS value, NULLIF(id, 0) AS maybe FROM numbers WHERE id < ? ORDER BY id',
        [4_000],
        { id: { type: 'integer' }, value: { type: 'double' }, maybe: { type: 'integer', missing: -99 } },
      );
    });

    // Assess
    expect(read.rows).toBe(4_007);
    expect(Array.from(read.columns.id)).toEqual(Array.from(id.subarray(0, 4_007)));
    expect(read.columns.value[4]).toBeCloseTo(4 / 3, 12);
    expect(read.columns.value[3]).toBeNaN();
    expect(read.columns.maybe[7]).toBe(-99);
    expect(read.columns.maybe[8]).toBe(1);
  });

  it('refuses names that are not plain identifiers, and columns of another type', async () => {
    await withDuckDb(async (connection) => {
      await expect(
        createTableFromColumns(connection, 'x; DROP TABLE y', { a: new Int32Array(1) }),
      ).rejects.toThrow(IdentifierError);
      await expect(
        readColumns(connection, 'SELECT 1.5 AS a', [], { a: { type: 'integer' } }),
      ).rejects.toThrow(/not INTEGER/);
      await expect(readColumns(connection, 'SELECT 1 AS a', [], { b: { type: 'integer' } })).rejects.toThrow(
        /no column b/,
      );
    });
  });
});

describe('readStrings', () => {
  it('reads a text column with its NULLs', async () => {
    const values = await withDuckDb((connection) =>
      readStrings(connection, "SELECT * FROM (VALUES ('a'), (NULL), (?)) t(v)", ['c']),
    );
    expect(values).toEqual(['a', null, 'c']);
  });
});
