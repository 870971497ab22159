import { generateOrderLog, type OrderLogOptions } from '../../../lib/generate/order-log';
import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';

/**
 * A small generated shop as a transaction table (dirty lines without customer or quantity left out): two
 * steady years unless `options` say otherwise (a start, a length, lib/generate's shop dynamics); `extra`
 * may add rows of its own before the table is built.
 */
export function shopTable(
  customers: number,
  seed = 7,
  options: Omit<OrderLogOptions, 'customers' | 'seed'> = {},
  extra: (builder: TransactionTableBuilder) => void = () => {},
): TransactionTable {
  const builder = new TransactionTableBuilder();
  for (const { time, fields } of generateOrderLog({ days: 730, ...options, customers, seed })) {
    const [orderId, customerId, , , quantity, unitPrice, country, channel] = fields;
    const amount = Number(quantity) * Number(unitPrice);
    if (!customerId || !Number.isFinite(amount)) continue;
    builder.add({ customerId, time, amount, orderId, categories: { country, channel } });
  }
  extra(builder);
  return builder.build();
}
