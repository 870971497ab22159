import type { BlobStore } from '../store/blob-store';
import { normalizedPrefix, parseNormalizedKey } from '../store/bucket-layout';
import { parquetInMemory, readParquetRowGroups } from './parquet-file';
import { type TransactionInput, type TransactionTable, TransactionTableBuilder } from './transaction-table';

const COLUMNS = ['customer_id', 'ts', 'amount', 'order_id', 'country', 'channel'];

/**
 * Read every transaction Parquet file under `normalized/<dataset>/` into one table, one row group at a
 * time. Customer-table files (no `ts`/`amount` columns) are skipped.
 */
export async function loadNormalizedTransactions(
  store: BlobStore,
  dataset: string,
): Promise<TransactionTable> {
  const builder = new TransactionTableBuilder(1 << 16);
  const input: TransactionInput = { customerId: '', time: 0, amount: 0, categories: {} };
  const categories = input.categories as Record<string, string | undefined>;
  for await (const info of store.list(normalizedPrefix(dataset))) {
    if (!parseNormalizedKey(info.key)) continue;
    const bytes = await store.get(info.key);
    if (!bytes) continue;
    const parquet = parquetInMemory(bytes);
    const names = new Set(parquet.columnNames);
    if (!names.has('ts') || !names.has('amount')) continue;
    await readParquetRowGroups(parquet, COLUMNS, (rows) => {
      for (const [customerId, ts, amount, orderId, country, channel] of rows) {
        input.customerId = String(customerId);
        input.time = toMillis(ts);
        input.amount = Number(amount);
        input.orderId = orderId == null ? undefined : String(orderId);
        categories.country = country == null ? undefined : String(country);
        categories.channel = channel == null ? undefined : String(channel);
        builder.add(input);
      }
    });
  }
  return builder.build();
}

function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return Number(value);
}
