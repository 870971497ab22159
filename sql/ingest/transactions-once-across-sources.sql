-- The transactions of several sources of one dataset without the rows an earlier source already holds
-- (docs/contracts.md: duplicate rows across files are learnt from once): a row is the same when every
-- normalized value is (customer, instant, amount, order, quantity, unit price, country, channel). Within
-- a source every row stays (an order may hold the same line twice). Input: the view source_transactions
-- (source_rank: the sources' order, earliest first, then the normalized columns and source_line).
SELECT customer_id, ts_ms, amount, order_id, country, channel
FROM (
  SELECT
    *,
    min(source_rank) OVER (
      PARTITION BY customer_id, ts_ms, amount, order_id, quantity, unit_price, country, channel
    ) AS first_rank
  FROM source_transactions
)
WHERE source_rank = first_rank
ORDER BY source_rank, source_line
