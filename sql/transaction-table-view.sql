-- The relation `transactions` that sql/customer-features.sql, customer-net-spend.sql and
-- customer-purchase-days.sql read, over a TransactionTable's rows as lib/features/feature-engine.ts appends
-- them to the temporary table `transaction_rows` (customer_id, ts_ms, amount, order_code, country_code,
-- channel_code: the table's integer codes, -1 where the row has no value). Rows of one customer at one
-- instant are ordered by their position in the table, the order computeFeatures reads them in.
CREATE TEMP VIEW transactions AS
SELECT
  customer_id,
  ts_ms,
  amount,
  NULLIF(order_code, -1) AS order_id,
  NULLIF(country_code, -1) AS country,
  NULLIF(channel_code, -1) AS channel,
  '' AS source_file,
  rowid AS source_line
FROM transaction_rows
