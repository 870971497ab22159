import { parquetMetadata, parquetRead } from 'hyparquet';
import type { BlobStore } from '../store/blob-store';
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
  for await (const info of store.list(`normalized/${dataset}/`)) {
    if (!info.key.endsWith('.parquet')) continue;
    const bytes = await store.get(info.key);
    if (!bytes) continue;
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(file);
    const names = new Set(metadata.schema.map((e) => e.name));
    if (!names.has('ts') || !names.has('amount')) continue;
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      await parquetRead({
        file,
        metadata,
        columns: COLUMNS,
        rowStart,
        rowEnd,
        onComplete: (rows: unknown[][]) => {
          for (const [customerId, ts, amount, orderId, country, channel] of rows) {
            input.customerId = String(customerId);
            input.time = toMillis(ts);
            input.amount = Number(amount);
            input.orderId = orderId == null ? undefined : String(orderId);
            categories.country = country == null ? undefined : String(country);
            categories.channel = channel == null ? undefined : String(channel);
            builder.add(input);
          }
        },
      });
      rowStart = rowEnd;
    }
  }
  return builder.build();
}

function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return Number(value);
}
