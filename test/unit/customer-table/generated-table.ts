import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCustomerTableCsv } from '../../../lib/generate/customer-table';
import { type CustomerTable, loadInputFiles } from '../../../lib/ingest/load-customer-table';

/** A generated labelled customer table written to a fresh temp directory, and read back through ingestion. */
export async function generatedTable(
  customers: number,
  seed = 7,
): Promise<{ dir: string; file: string; table: CustomerTable }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-customer-table-'));
  const file = path.join(dir, 'customers.csv');
  await writeFile(file, generateCustomerTableCsv({ customers, seed }));
  const input = await loadInputFiles([file]);
  if (input.kind !== 'customer-table') throw new Error(`${file} was not read as a customer table`);
  return { dir, file, table: input.table };
}
