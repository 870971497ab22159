import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDuckDb } from '../../../lib/engine/duckdb';
import { parquetInMemory, readParquetRowGroups } from '../../../lib/ingest/parquet-file';

describe('readParquetRowGroups', () => {
  it('hands over every row group in order, with the requested columns in the requested order', async () => {
    // Prepare: more rows than one row group holds (65,536), so the file has three groups (written as ingest writes).
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-parquet-'));
    const file = path.join(dir, 'rows.parquet');
    const rows = 65_536 * 2 + 5;
    await withDuckDb((connection) =>
      connection.run(
        `COPY (SELECT 'c' || r AS customer_id, CASE WHEN r % 7 <> 0 THEN r / 4 END AS amount FROM range(${rows}) AS t(r))
         TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 65536)`,
      ),
    );

    // Act
    const parquet = parquetInMemory(await readFile(file));
    const groups: unknown[][][] = [];
    await readParquetRowGroups(parquet, ['amount', 'customer_id'], (group) => {
      groups.push(group);
    });

    // Assess
    expect(parquet.columnNames).toEqual(['customer_id', 'amount']);
    expect(groups.map((g) => g.length)).toEqual([65_536, 65_536, 5]);
    const all = groups.flat();
    expect(all[0]).toEqual([null, 'c0']);
    expect(all[65_537]).toEqual([65_537 / 4, 'c65537']);
    expect(all[rows - 1]).toEqual([(rows - 1) / 4, `c${rows - 1}`]);
    await rm(dir, { recursive: true, force: true });
  });
});
