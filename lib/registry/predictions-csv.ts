import type { CustomerOutlook } from '../features/customer-outlook';

/** The header of `predictions.csv` (docs/contracts.md); readers depend on it exactly. */
export const PREDICTIONS_HEADER =
  'customer_id,predicted_value,p_return,value_decile,model_version,' +
  'predicted_p10,predicted_p90,p_alive,expected_orders,clv,segment';

/**
 * Every customer's batch prediction, aligned with `customerIds`: the expected spend over the horizon
 * (`value`), P(returns in the horizon) (`pReturn`, `undefined` for models that do not estimate it, the MSE
 * MLP), and the rest of the outlook (lib/features/customer-outlook.ts: the interval, P(alive), expected
 * orders, the lifetime value) with the segment, each absent when the model does not say it (its cells are
 * then empty).
 */
export interface ScoredCustomers extends CustomerOutlook {
  customerIds: readonly string[];
  segment?: readonly string[];
}

/**
 * Decile of each value by rank, 1 = the top 10% of predicted value. Ties keep input order (as the
 * benchmark's metrics do), so equal predictions may straddle a decile border deterministically.
 */
export function valueDeciles(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
  const deciles = new Uint8Array(n);
  order.forEach((row, rank) => {
    deciles[row] = Math.floor((rank * 10) / n) + 1;
  });
  return deciles;
}

/**
 * `predictions.csv`: one line per customer. Text cells a spreadsheet would run as a formula (starting
 * with `=`, `+`, `-`, `@`, tab or CR), and cells starting with `'`, get a leading `'`; cells with commas
 * or quotes are quoted.
 */
export function predictionsCsv(scored: ScoredCustomers, modelVersion: string): string {
  const deciles = valueDeciles(scored.value);
  const version = csvCell(modelVersion);
  const lines = [PREDICTIONS_HEADER];
  scored.customerIds.forEach((id, r) => {
    const pReturn = scored.pReturn ? formatNumber(scored.pReturn[r] as number, 6) : '';
    lines.push(
      `${csvCell(id)},${formatNumber(scored.value[r] as number, 4)},${pReturn},${deciles[r]},${version},${outlookCells(scored, r)}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/**
 * A CSV cell that no spreadsheet runs as a formula. A cell that starts with `'` gets one more, so the
 * reader (lib/serving/batch-scores.ts) can take exactly one off every escaped cell: `'=x` and `=x` both
 * come back as they were.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r']/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The six outlook cells of row `r` (empty where the model does not say it). */
function outlookCells(scored: ScoredCustomers, r: number): string {
  const cell = (values: Float32Array | undefined, digits: number) =>
    values ? formatNumber(values[r] as number, digits) : '';
  const segment = scored.segment?.[r];
  return [
    cell(scored.p10, 4),
    cell(scored.p90, 4),
    cell(scored.pAlive, 6),
    cell(scored.expectedOrders, 4),
    cell(scored.clv, 4),
    segment === undefined ? '' : csvCell(segment),
  ].join(',');
}

function formatNumber(value: number, digits: number): string {
  // Fixed digits keep the file small and stable; trailing zeros carry no information.
  return Number(value.toFixed(digits)).toString();
}
