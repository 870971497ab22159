-- Rows repeated across files (overlapping exports) are learnt from once (docs/contracts.md): a row of
-- normalized_rows that an earlier file (a lower file_rank) also holds is deleted. A row is the same when
-- every normalized value is (customer, instant, amount, order, quantity, unit price, country, channel);
-- within a file every row stays (an order may hold the same line twice). The rule of
-- sql/ingest/transactions-once-across-sources.sql, for the files training loads from the bucket.
DELETE FROM normalized_rows AS r
USING (
  SELECT customer_id, ts_ms, amount, order_id, quantity, unit_price, country, channel, min(file_rank) AS first_rank
  FROM normalized_rows
  GROUP BY customer_id, ts_ms, amount, order_id, quantity, unit_price, country, channel
  HAVING min(file_rank) < max(file_rank)
) AS d
WHERE r.file_rank > d.first_rank
  AND r.customer_id = d.customer_id
  AND r.ts_ms = d.ts_ms
  AND r.amount = d.amount
  AND r.order_id IS NOT DISTINCT FROM d.order_id
  AND r.quantity IS NOT DISTINCT FROM d.quantity
  AND r.unit_price IS NOT DISTINCT FROM d.unit_price
  AND r.country IS NOT DISTINCT FROM d.country
  AND r.channel IS NOT DISTINCT FROM d.channel
