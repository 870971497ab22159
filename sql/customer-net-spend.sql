-- Each customer's net spend between two instants, clipped at 0: the label of a labelled window (spend in
-- the horizon after its as-of date), the backtest's truth, and the last-window baseline's prediction.
-- Customers with no transaction in the interval are not returned (their net spend is 0).
--
-- Parameters (`?`): from and to, epoch milliseconds; a row counts iff from <= ts < to.
-- Input: the relation `transactions` of sql/customer-features.sql (customer_id, amount, ts_ms).
WITH bounds AS (
  SELECT CAST(? AS BIGINT) AS from_ms, CAST(? AS BIGINT) AS to_ms
)
SELECT
  t.customer_id,
  GREATEST(SUM(t.amount), 0) AS net_spend
FROM transactions t
CROSS JOIN bounds b
WHERE t.ts_ms >= b.from_ms AND t.ts_ms < b.to_ms
GROUP BY t.customer_id
ORDER BY t.customer_id
