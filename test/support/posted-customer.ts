import type { TransactionTable } from '../../lib/ingest/transaction-table';

/** A customer's transactions as a client would post them to POST /predict, from a loaded table. */
export function postedCustomer(table: TransactionTable, id: string) {
  const c = table.customerIds.indexOf(id);
  const transactions = [];
  for (let i = 0; i < table.length; i++) {
    if (table.customer[i] !== c) continue;
    const order = table.order[i] as number;
    const categories: Record<string, string> = {};
    for (const [column, { values, codes }] of Object.entries(table.categories)) {
      const code = codes[i] as number;
      if (code >= 0) categories[column] = values[code] as string;
    }
    transactions.push({
      date: new Date(table.time[i] as number).toISOString(),
      amount: table.amount[i] as number,
      orderId: order >= 0 ? table.orderIds[order] : undefined,
      categories,
    });
  }
  return { id, transactions };
}
