-- Per-customer features of lib/features/compute-features.ts (computeFeatures), as SQL over the normalized
-- Parquet (normalized/<dataset>/*.parquet), for engines that aggregate past one Lambda: Athena (Trino)
-- and DuckDB. test/unit/sql/customer-features.test.ts checks every column against computeFeatures on the
-- same data (a generated shop and CDNOW).
--
-- One parameter (`?`): the as-of instant in epoch milliseconds, exclusive (a row is visible iff ts < as-of).
-- Input: a relation `transactions` over the Parquet files with the files' columns plus
--   ts_ms        BIGINT   the timestamp in epoch milliseconds (UTC)
--   source_file  VARCHAR  the file's path (ties at one timestamp are broken by file, then source_line,
--                         which is the order computeFeatures reads the files in)
-- Athena:  CREATE VIEW transactions AS SELECT *, CAST(to_unixtime(ts) * 1000 AS BIGINT) AS ts_ms,
--            "$path" AS source_file FROM normalized_<dataset>;
-- DuckDB:  CREATE VIEW transactions AS SELECT *, epoch_ms(ts) AS ts_ms, filename AS source_file
--            FROM read_parquet('normalized/<dataset>/*.parquet', filename = true);
-- Athena runs it as a prepared statement: PREPARE customer_features FROM <this>; EXECUTE customer_features USING 1315612800000;
--
-- Not here: the BG/NBD and Gamma-Gamma expectations (bgnbd_p_alive, bgnbd_expected_transactions,
-- gg_expected_order_value, bgnbd_gg_expected_spend) need parameters fitted by maximum likelihood: the
-- columns first_day_spend and repeat_day_mean_spend, with frequency, recency_days and tenure_days, are the
-- fits' inputs (btydSummary); fit them on a sample in the model code (lib/model/bg-nbd.ts, gamma-gamma.ts)
-- and apply the closed forms there. The categorical one-hots keep the model's levels: last_country and
-- last_channel are each customer's latest non-missing values, which the model code encodes.
--
-- Conventions (those of computeFeatures): a purchase day is a UTC day with any transaction; an order is an
-- order id, or a day for rows without one; an order with net value >= 0 is a purchase, a negative one a
-- return; windowed order counts use the order's last row; gaps are between consecutive purchase days.
-- Portable SQL only: no FILTER clauses, integer arithmetic kept out of divisions (Trino divides integers
-- as integers, so every division is by the DOUBLE day length of `params`).
WITH params AS (
  SELECT CAST(? AS BIGINT) AS as_of_ms, CAST(86400000 AS DOUBLE) AS day_ms
),
visible AS (
  SELECT
    t.customer_id,
    t.ts_ms,
    t.amount,
    t.order_id,
    t.country,
    t.channel,
    t.source_file,
    t.source_line,
    CAST(floor(t.ts_ms / p.day_ms) AS BIGINT) AS purchase_day,
    p.as_of_ms,
    p.day_ms
  FROM transactions t
  CROSS JOIN params p
  WHERE t.ts_ms < p.as_of_ms
),
customer_days AS (
  SELECT
    customer_id,
    purchase_day,
    SUM(amount) AS day_value,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY purchase_day) AS day_number,
    purchase_day - LAG(purchase_day) OVER (PARTITION BY customer_id ORDER BY purchase_day) AS gap
  FROM visible
  GROUP BY customer_id, purchase_day
),
day_stats AS (
  SELECT
    customer_id,
    COUNT(*) AS purchase_days,
    MIN(purchase_day) AS first_day,
    MAX(purchase_day) AS last_day,
    STDDEV_POP(gap) AS gap_std,
    SUM(CASE WHEN day_number = 1 THEN day_value ELSE 0 END) AS first_day_spend,
    AVG(CASE WHEN day_number > 1 THEN day_value END) AS repeat_day_mean_spend
  FROM customer_days
  GROUP BY customer_id
),
customer_orders AS (
  SELECT
    customer_id,
    SUM(amount) AS order_value,
    MAX(ts_ms) AS last_ms,
    MAX(as_of_ms) AS as_of_ms,
    MAX(day_ms) AS day_ms
  FROM visible
  GROUP BY customer_id, order_id, CASE WHEN order_id IS NULL THEN purchase_day END
),
order_stats AS (
  SELECT
    customer_id,
    SUM(CASE WHEN order_value >= 0 THEN 1 ELSE 0 END) AS order_count,
    AVG(CASE WHEN order_value >= 0 THEN order_value END) AS mean_order_value,
    MAX(CASE WHEN order_value >= 0 THEN order_value END) AS max_order_value,
    STDDEV_POP(CASE WHEN order_value >= 0 THEN order_value END) AS std_order_value,
    SUM(CASE WHEN order_value >= 0 AND last_ms >= as_of_ms - 30 * day_ms THEN 1 ELSE 0 END) AS orders_30d,
    SUM(CASE WHEN order_value >= 0 AND last_ms >= as_of_ms - 90 * day_ms THEN 1 ELSE 0 END) AS orders_90d,
    SUM(CASE WHEN order_value >= 0 AND last_ms >= as_of_ms - 180 * day_ms THEN 1 ELSE 0 END) AS orders_180d,
    SUM(CASE WHEN order_value >= 0 AND last_ms >= as_of_ms - 365 * day_ms THEN 1 ELSE 0 END) AS orders_365d
  FROM customer_orders
  GROUP BY customer_id
),
row_stats AS (
  SELECT
    customer_id,
    MAX(as_of_ms) AS as_of_ms,
    MAX(day_ms) AS day_ms,
    MIN(ts_ms) AS first_ms,
    MAX(ts_ms) AS last_ms,
    SUM(amount) AS total_spend,
    SUM(CASE WHEN ts_ms >= as_of_ms - 30 * day_ms THEN amount ELSE 0 END) AS spend_30d,
    SUM(CASE WHEN ts_ms >= as_of_ms - 90 * day_ms THEN amount ELSE 0 END) AS spend_90d,
    SUM(CASE WHEN ts_ms >= as_of_ms - 180 * day_ms THEN amount ELSE 0 END) AS spend_180d,
    SUM(CASE WHEN ts_ms >= as_of_ms - 365 * day_ms THEN amount ELSE 0 END) AS spend_365d,
    SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS return_count,
    -SUM(CASE WHEN amount < 0 THEN amount ELSE 0 END) AS return_amount
  FROM visible
  GROUP BY customer_id
),
latest_categories AS (
  -- Each customer's latest non-missing value of each categorical column: rows are ranked newest first
  -- apart for missing and present values, and rank 1 among the present ones is kept.
  SELECT
    customer_id,
    MAX(CASE WHEN country_rank = 1 THEN country END) AS last_country,
    MAX(CASE WHEN channel_rank = 1 THEN channel END) AS last_channel
  FROM (
    SELECT
      customer_id,
      country,
      channel,
      ROW_NUMBER() OVER (
        PARTITION BY customer_id, country IS NULL ORDER BY ts_ms DESC, source_file DESC, source_line DESC
      ) AS country_rank,
      ROW_NUMBER() OVER (
        PARTITION BY customer_id, channel IS NULL ORDER BY ts_ms DESC, source_file DESC, source_line DESC
      ) AS channel_rank
    FROM visible
  ) ranked
  GROUP BY customer_id
)
SELECT
  r.customer_id,
  CAST(d.last_day - d.first_day AS DOUBLE) AS recency_days,
  CAST(d.purchase_days - 1 AS DOUBLE) AS frequency,
  floor((r.as_of_ms - 1) / r.day_ms) - d.first_day AS tenure_days,
  CAST(o.order_count AS DOUBLE) AS order_count,
  r.total_spend,
  COALESCE(o.mean_order_value, 0) AS mean_order_value,
  COALESCE(o.max_order_value, 0) AS max_order_value,
  COALESCE(o.std_order_value, 0) AS std_order_value,
  r.spend_30d,
  CAST(o.orders_30d AS DOUBLE) AS orders_30d,
  r.spend_90d,
  CAST(o.orders_90d AS DOUBLE) AS orders_90d,
  r.spend_180d,
  CAST(o.orders_180d AS DOUBLE) AS orders_180d,
  r.spend_365d,
  CAST(o.orders_365d AS DOUBLE) AS orders_365d,
  CAST(r.return_count AS DOUBLE) AS return_count,
  r.return_amount,
  CASE
    WHEN d.purchase_days > 1 THEN CAST(d.last_day - d.first_day AS DOUBLE) / (d.purchase_days - 1)
    ELSE 0
  END AS gap_mean_days,
  CASE WHEN d.purchase_days > 2 THEN d.gap_std ELSE 0 END AS gap_std_days,
  (r.as_of_ms - r.last_ms) / r.day_ms AS days_since_last,
  (r.as_of_ms - r.first_ms) / r.day_ms AS days_since_first,
  d.first_day_spend,
  COALESCE(d.repeat_day_mean_spend, 0) AS repeat_day_mean_spend,
  c.last_country,
  c.last_channel
FROM row_stats r
JOIN day_stats d ON d.customer_id = r.customer_id
JOIN order_stats o ON o.customer_id = r.customer_id
JOIN latest_categories c ON c.customer_id = r.customer_id
ORDER BY r.customer_id
