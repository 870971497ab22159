-- The temporary table normalized-rows.sql appends each transaction file's rows to (file_rank: the file's
-- place in the order the files are read; quantity and unit_price tell rows apart across files).
CREATE TEMP TABLE normalized_rows (
  seq INTEGER,
  file_rank INTEGER,
  customer_id VARCHAR,
  ts_ms DOUBLE,
  amount DOUBLE,
  order_id VARCHAR,
  quantity DOUBLE,
  unit_price DOUBLE,
  country VARCHAR,
  channel VARCHAR
)
