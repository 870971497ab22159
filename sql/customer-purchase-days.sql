-- Every customer's purchase days before an instant, with the day's net spend: the input of the money level
-- (lib/model/seasonal-level.ts, PurchaseHistory), with the conventions of sql/customer-features.sql (a
-- purchase day is a UTC day with any transaction, its spend the day's net amount).
--
-- One parameter (`?`): the as-of instant in epoch milliseconds, exclusive.
-- Input: the relation `transactions` of sql/customer-features.sql (customer_id, amount, ts_ms).
WITH params AS (
  SELECT CAST(? AS BIGINT) AS as_of_ms, CAST(86400000 AS DOUBLE) AS day_length
)
SELECT
  t.customer_id,
  CAST(floor(t.ts_ms / p.day_length) AS INTEGER) AS purchase_day,
  SUM(t.amount) AS spend
FROM transactions t
CROSS JOIN params p
WHERE t.ts_ms < p.as_of_ms
GROUP BY t.customer_id, CAST(floor(t.ts_ms / p.day_length) AS INTEGER)
ORDER BY t.customer_id, purchase_day
