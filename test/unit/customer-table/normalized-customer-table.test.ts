import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestStream } from '../../../lib/ingest';
import {
  type CustomerTable,
  loadCustomerTableFromFiles,
  loadNormalizedCustomerTable,
} from '../../../lib/ingest/load-customer-table';
import { loadIngestReports } from '../../../lib/registry/data-quality';
import { FsBlobStore } from '../../../lib/store/fs-store';

const FIXTURE = path.resolve(__dirname, '../../fixtures/ingest/customer-table.csv');

function plain(table: CustomerTable | undefined) {
  return {
    customerIds: table?.customerIds,
    label: Array.from(table?.label ?? []),
    columns: table?.columns.map((c) => ({ name: c.name, type: c.type, values: [...c.values] })),
  };
}

describe('loadNormalizedCustomerTable', () => {
  it('reads through DuckDB the table the file itself gives: ids, labels, numbers, text and dates', async () => {
    // Prepare
    const store = new FsBlobStore(await mkdtemp(path.join(tmpdir(), 'valuecast-normalized-table-')));
    try {
      await ingestStream({
        open: async () => createReadStream(FIXTURE),
        dataset: 'crm',
        source: 'crm',
        out: store,
      });

      // Act
      const stored = await loadNormalizedCustomerTable(store, await loadIngestReports(store, 'crm'));
      const fromFile = (await loadCustomerTableFromFiles([FIXTURE])).table;

      // Assess
      expect(stored?.columns.map((c) => c.type)).toContain('timestamp');
      expect(plain(stored)).toEqual(plain(fromFile));
    } finally {
      await rm(store.root, { recursive: true, force: true });
    }
  });
});
