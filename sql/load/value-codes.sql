-- The integer code of every customer id, order id, country and channel of normalized_rows: per kind,
-- 0, 1, 2, … in the order the values first appear (seq), the codes a TransactionTable interns them with.
CREATE TEMP TABLE value_codes AS
WITH first_seen AS (
  SELECT 'customer' AS kind, customer_id AS value, MIN(seq) AS first_seq
  FROM normalized_rows
  GROUP BY customer_id
  UNION ALL
  SELECT 'order' AS kind, order_id AS value, MIN(seq) AS first_seq
  FROM normalized_rows
  WHERE order_id IS NOT NULL
  GROUP BY order_id
  UNION ALL
  SELECT 'country' AS kind, country AS value, MIN(seq) AS first_seq
  FROM normalized_rows
  WHERE country IS NOT NULL
  GROUP BY country
  UNION ALL
  SELECT 'channel' AS kind, channel AS value, MIN(seq) AS first_seq
  FROM normalized_rows
  WHERE channel IS NOT NULL
  GROUP BY channel
)
SELECT
  kind,
  value,
  CAST(ROW_NUMBER() OVER (PARTITION BY kind ORDER BY first_seq) - 1 AS INTEGER) AS code
FROM first_seen
