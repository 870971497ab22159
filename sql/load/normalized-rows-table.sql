-- The temporary table normalized-file-rows.sql appends each transaction file's rows to.
CREATE TEMP TABLE normalized_rows (
  seq INTEGER,
  customer_id VARCHAR,
  ts_ms DOUBLE,
  amount DOUBLE,
  order_id VARCHAR,
  country VARCHAR,
  channel VARCHAR
)
