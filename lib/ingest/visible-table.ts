import type { TransactionTable } from './transaction-table';

/**
 * The rows with time < asOf, as a table of their own. Id arrays (customers, orders, category values) are
 * shared with the source so customer indices stay comparable; a system handed this table cannot read
 * the future even by mistake.
 */
export function visibleTable(table: TransactionTable, asOf: number): TransactionTable {
  let n = 0;
  for (let i = 0; i < table.length; i++) if ((table.time[i] as number) < asOf) n++;
  const keep = new Int32Array(n);
  for (let i = 0, k = 0; i < table.length; i++) if ((table.time[i] as number) < asOf) keep[k++] = i;
  const pick = <T extends Int32Array | Float64Array>(column: T): T => {
    const out = new (column.constructor as new (size: number) => T)(n);
    for (let k = 0; k < n; k++) out[k] = column[keep[k] as number] as number;
    return out;
  };
  const categories: TransactionTable['categories'] = {};
  for (const [name, column] of Object.entries(table.categories))
    categories[name] = { values: column.values, codes: pick(column.codes) };
  return {
    length: n,
    customerIds: table.customerIds,
    customer: pick(table.customer),
    time: pick(table.time),
    amount: pick(table.amount),
    orderIds: table.orderIds,
    order: pick(table.order),
    categories,
  };
}
