import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { fixture } from './helpers';

describe('loadTransactionsFromFiles', () => {
  it('reads every data file of a directory, in name order, reporting the ones that fail', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-load-'));
    for (const name of ['tab.tsv', 'comma.csv', 'customer-table.csv', 'empty.csv', 'not-a-csv.txt']) {
      await copyFile(fixture(name), path.join(dir, name));
    }
    const { table, reports } = await loadTransactionsFromFiles([dir]);
    expect(reports.map((r) => [r.source, r.status, r.failureCode])).toEqual([
      ['comma', 'ok', undefined],
      ['customer-table', 'failed', 'not_transactions'],
      ['empty', 'failed', 'empty_file'],
      ['not-a-csv', 'failed', 'no_delimiter'],
      ['tab', 'ok', undefined],
    ]);
    expect(table.length).toBe((reports[0]?.rowsAccepted ?? 0) + (reports[4]?.rowsAccepted ?? 0));
    expect(table.length).toBeGreaterThan(0);
    expect(table.categories.channel?.values).toEqual(['web', 'store']);
  });

  it('counts rows that another file already holds, once per file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-load-'));
    await copyFile(fixture('comma.csv'), path.join(dir, 'a.csv'));
    await copyFile(fixture('comma.csv'), path.join(dir, 'b.csv'));
    const { reports } = await loadTransactionsFromFiles([dir]);
    // comma.csv has 4 accepted rows, one of them a repeat of another: 3 distinct rows, all in both files.
    expect(reports.map((r) => r.duplicateRows)).toEqual([
      { withinFile: 1, acrossFiles: 3 },
      { withinFile: 1, acrossFiles: 3 },
    ]);
  });

  it('applies an explicit mapping to every file', async () => {
    const { reports } = await loadTransactionsFromFiles([fixture('explicit-mapping.csv')], {
      columns: { amount: 'sum' },
    });
    expect(reports[0]).toMatchObject({ status: 'ok', rowsAccepted: 2, amountTotal: 11 });
  });
});
