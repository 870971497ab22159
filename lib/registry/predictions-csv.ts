/** The header of `predictions.csv` (docs/contracts.md); readers depend on it exactly. */
export const PREDICTIONS_HEADER = 'customer_id,predicted_value,p_return,value_decile,model_version';

/** One customer's batch prediction. */
export interface ScoredCustomers {
  customerIds: readonly string[];
  /** Expected spend over the horizon, aligned with `customerIds`. */
  value: Float32Array;
  /** P(returns in the horizon); `undefined` for models that do not estimate it (the MSE MLP). */
  pReturn: Float32Array | undefined;
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
      `${csvCell(id)},${formatNumber(scored.value[r] as number, 4)},${pReturn},${deciles[r]},${version}`,
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

function formatNumber(value: number, digits: number): string {
  // Fixed digits keep the file small and stable; trailing zeros carry no information.
  return Number(value.toFixed(digits)).toString();
}
