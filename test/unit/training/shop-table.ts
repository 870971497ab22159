import { generateOrderLog } from '../../../lib/generate/order-log';
import { type TransactionTable, TransactionTableBuilder } from '../../../lib/ingest/transaction-table';

/** A small generated shop as a transaction table (dirty lines without customer or quantity left out). */
export function shopTable(customers: number, seed = 7): TransactionTable {
  const builder = new TransactionTableBuilder();
  for (const { time, fields } of generateOrderLog({ customers, seed, days: 730 })) {
    const [orderId, customerId, , , quantity, unitPrice, country, channel] = fields;
    const amount = Number(quantity) * Number(unitPrice);
    if (!customerId || !Number.isFinite(amount)) continue;
    builder.add({ customerId, time, amount, orderId, categories: { country, channel } });
  }
  return builder.build();
}
