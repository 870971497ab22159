import type { TransactionTable } from '../../lib/ingest/transaction-table';
import type { BatchScore } from '../../lib/serving/batch-scores';

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

/** What POST /predict answers for a customer whose batch row (predictions.csv) is `row`: the same numbers. */
export function batchPrediction(id: string, row: BatchScore | undefined) {
  return {
    id,
    predictedValue: row?.predictedValue,
    pReturn: row?.pReturn,
    valueDecile: row?.valueDecile,
    predictedP10: row?.predictedP10,
    predictedP90: row?.predictedP90,
    pAlive: row?.pAlive,
    expectedOrders: row?.expectedOrders,
    clv: row?.clv,
    segment: row?.segment,
  };
}
