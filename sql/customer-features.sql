-- Per-customer features as of an instant: the batch path's definition of every feature of
-- lib/features (training rows at each labelled window's as-of date, batch scoring of every customer), run
-- by DuckDB in one process (lib/features/feature-engine.ts) and by Athena (Trino) past one machine.
-- lib/features/compute-features.ts (computeFeatures) computes the same for the API's few rows:
-- test/unit/sql/customer-features.test.ts checks every column against it on generated shops, CDNOW and
-- Online Retail.
--
-- One parameter (`?`): the as-of instant in epoch milliseconds, exclusive (a row is visible iff ts < as-of).
-- Input: a relation `transactions` with the normalized Parquet's columns (customer_id, amount, order_id,
-- country, channel, source_line) plus
--   ts_ms        the timestamp in epoch milliseconds (UTC), BIGINT or DOUBLE
--   source_file  the file's path: rows of one customer at one instant are ordered by file, then
--                source_line (the order computeFeatures reads them in)
-- Athena:  CREATE VIEW transactions AS SELECT *, CAST(to_unixtime(ts) * 1000 AS BIGINT) AS ts_ms,
--            "$path" AS source_file FROM normalized_<dataset>;
--          PREPARE customer_features FROM <this>; EXECUTE customer_features USING 1315612800000;
-- DuckDB:  CREATE VIEW transactions AS SELECT *, epoch_ms(ts) AS ts_ms, filename AS source_file
--            FROM read_parquet('normalized/<dataset>/*.parquet', filename = true);
-- (lib/features/feature-engine.ts gives it a TransactionTable's rows: integer codes for the ids and the
-- categories, the row's position as source_line.)
--
-- Not here: the BG/NBD and Gamma-Gamma expectations (bgnbd_p_alive, bgnbd_expected_transactions,
-- gg_expected_order_value, bgnbd_gg_expected_spend) need parameters fitted by maximum likelihood: the
-- columns first_day_spend and repeat_day_mean_spend, with frequency, recency_days and tenure_days, are the
-- fits' inputs; the model code fits them on a sample and applies the closed forms. The categorical
-- one-hots keep the model's levels: last_country and last_channel are each customer's latest non-missing
-- values, which the model code encodes.
--
-- Conventions (those of computeFeatures): a purchase day is a UTC day with any transaction; an order is an
-- order id, or a day for rows without one; an order with net value >= 0 is a purchase, a negative one a
-- return; windowed order counts use the order's last row; gaps are between consecutive purchase days.
-- Each visible row is aggregated once, into its (customer, order, day); days, orders and totals are
-- aggregated from those.
-- Portable SQL only (DuckDB and Trino): no FILTER clauses, no integer division (Trino divides integers as
-- integers: every division is by the DOUBLE day_length), max_by with a ROW key (orderable in both).
WITH given AS (
  SELECT CAST(? AS BIGINT) AS as_of_ms
),
params AS (
  SELECT
    as_of_ms,
    CAST(86400000 AS DOUBLE) AS day_length,
    as_of_ms - 30 * CAST(86400000 AS BIGINT) AS from_30d_ms,
    as_of_ms - 90 * CAST(86400000 AS BIGINT) AS from_90d_ms,
    as_of_ms - 180 * CAST(86400000 AS BIGINT) AS from_180d_ms,
    as_of_ms - 365 * CAST(86400000 AS BIGINT) AS from_365d_ms
  FROM given
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
    CAST(floor(t.ts_ms / p.day_length) AS BIGINT) AS purchase_day
  FROM transactions t
  CROSS JOIN params p
  WHERE t.ts_ms < p.as_of_ms
),
order_days AS (
  SELECT
    v.customer_id,
    v.order_id,
    v.purchase_day,
    SUM(v.amount) AS net_value,
    MIN(v.ts_ms) AS first_ms,
    MAX(v.ts_ms) AS last_ms,
    SUM(CASE WHEN v.amount < 0 THEN 1 ELSE 0 END) AS return_rows,
    SUM(CASE WHEN v.amount < 0 THEN v.amount ELSE 0 END) AS return_value,
    SUM(CASE WHEN v.ts_ms >= p.from_30d_ms THEN v.amount ELSE 0 END) AS spend_30d,
    SUM(CASE WHEN v.ts_ms >= p.from_90d_ms THEN v.amount ELSE 0 END) AS spend_90d,
    SUM(CASE WHEN v.ts_ms >= p.from_180d_ms THEN v.amount ELSE 0 END) AS spend_180d,
    SUM(CASE WHEN v.ts_ms >= p.from_365d_ms THEN v.amount ELSE 0 END) AS spend_365d,
    MAX(CASE WHEN v.country IS NOT NULL THEN v.ts_ms END) AS country_ms,
    MAX(CASE WHEN v.channel IS NOT NULL THEN v.ts_ms END) AS channel_ms
  FROM visible v
  CROSS JOIN params p
  GROUP BY v.customer_id, v.order_id, v.purchase_day
),
customer_days AS (
  SELECT
    customer_id,
    purchase_day,
    SUM(net_value) AS day_value,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY purchase_day) AS day_number,
    purchase_day - LAG(purchase_day) OVER (PARTITION BY customer_id ORDER BY purchase_day) AS gap
  FROM order_days
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
  SELECT customer_id, SUM(net_value) AS order_value, MAX(last_ms) AS last_ms
  FROM order_days
  GROUP BY customer_id, order_id, CASE WHEN order_id IS NULL THEN purchase_day END
),
order_stats AS (
  SELECT
    o.customer_id,
    SUM(CASE WHEN o.order_value >= 0 THEN 1 ELSE 0 END) AS order_count,
    AVG(CASE WHEN o.order_value >= 0 THEN o.order_value END) AS mean_order_value,
    MAX(CASE WHEN o.order_value >= 0 THEN o.order_value END) AS max_order_value,
    STDDEV_POP(CASE WHEN o.order_value >= 0 THEN o.order_value END) AS std_order_value,
    SUM(CASE WHEN o.order_value >= 0 AND o.last_ms >= p.from_30d_ms THEN 1 ELSE 0 END) AS orders_30d,
    SUM(CASE WHEN o.order_value >= 0 AND o.last_ms >= p.from_90d_ms THEN 1 ELSE 0 END) AS orders_90d,
    SUM(CASE WHEN o.order_value >= 0 AND o.last_ms >= p.from_180d_ms THEN 1 ELSE 0 END) AS orders_180d,
    SUM(CASE WHEN o.order_value >= 0 AND o.last_ms >= p.from_365d_ms THEN 1 ELSE 0 END) AS orders_365d
  FROM customer_orders o
  CROSS JOIN params p
  GROUP BY o.customer_id
),
spend_stats AS (
  SELECT
    customer_id,
    MIN(first_ms) AS first_ms,
    MAX(last_ms) AS last_ms,
    SUM(net_value) AS total_spend,
    SUM(spend_30d) AS spend_30d,
    SUM(spend_90d) AS spend_90d,
    SUM(spend_180d) AS spend_180d,
    SUM(spend_365d) AS spend_365d,
    SUM(return_rows) AS return_count,
    -SUM(return_value) AS return_amount,
    MAX(country_ms) AS country_ms,
    MAX(channel_ms) AS channel_ms
  FROM order_days
  GROUP BY customer_id
),
last_instant_rows AS (
  -- The rows at each customer's last instant with a country, or with a channel (spend_stats): where the
  -- latest non-missing value of each is, the ties at that instant broken by file, then line.
  SELECT
    t.customer_id,
    t.country,
    t.channel,
    t.source_file,
    t.source_line,
    t.ts_ms = s.country_ms AS at_country_ms,
    t.ts_ms = s.channel_ms AS at_channel_ms
  FROM transactions t
  JOIN spend_stats s ON s.customer_id = t.customer_id
  WHERE t.ts_ms = s.country_ms OR t.ts_ms = s.channel_ms
),
latest_country AS (
  SELECT customer_id, max_by(country, ROW(source_file, source_line)) AS last_country
  FROM last_instant_rows
  WHERE at_country_ms AND country IS NOT NULL
  GROUP BY customer_id
),
latest_channel AS (
  SELECT customer_id, max_by(channel, ROW(source_file, source_line)) AS last_channel
  FROM last_instant_rows
  WHERE at_channel_ms AND channel IS NOT NULL
  GROUP BY customer_id
)
SELECT
  s.customer_id,
  CAST(d.last_day - d.first_day AS DOUBLE) AS recency_days,
  CAST(d.purchase_days - 1 AS DOUBLE) AS frequency,
  floor((p.as_of_ms - 1) / p.day_length) - d.first_day AS tenure_days,
  CAST(o.order_count AS DOUBLE) AS order_count,
  s.total_spend,
  COALESCE(o.mean_order_value, 0) AS mean_order_value,
  COALESCE(o.max_order_value, 0) AS max_order_value,
  COALESCE(o.std_order_value, 0) AS std_order_value,
  s.spend_30d,
  CAST(o.orders_30d AS DOUBLE) AS orders_30d,
  s.spend_90d,
  CAST(o.orders_90d AS DOUBLE) AS orders_90d,
  s.spend_180d,
  CAST(o.orders_180d AS DOUBLE) AS orders_180d,
  s.spend_365d,
  CAST(o.orders_365d AS DOUBLE) AS orders_365d,
  CAST(s.return_count AS DOUBLE) AS return_count,
  s.return_amount,
  CASE
    WHEN d.purchase_days > 1 THEN CAST(d.last_day - d.first_day AS DOUBLE) / (d.purchase_days - 1)
    ELSE 0
  END AS gap_mean_days,
  CASE WHEN d.purchase_days > 2 THEN d.gap_std ELSE 0 END AS gap_std_days,
  (p.as_of_ms - s.last_ms) / p.day_length AS days_since_last,
  (p.as_of_ms - s.first_ms) / p.day_length AS days_since_first,
  d.first_day_spend,
  COALESCE(d.repeat_day_mean_spend, 0) AS repeat_day_mean_spend,
  c.last_country,
  h.last_channel
FROM spend_stats s
CROSS JOIN params p
JOIN day_stats d ON d.customer_id = s.customer_id
JOIN order_stats o ON o.customer_id = s.customer_id
LEFT JOIN latest_country c ON c.customer_id = s.customer_id
LEFT JOIN latest_channel h ON h.customer_id = s.customer_id
ORDER BY s.customer_id
