-- The accepted rows of ingest_rows in the columns of normalized/<dataset>/<source>.parquet
-- (docs/contracts.md), with the file's file_rank to write one Parquet file per source. In file order:
-- ingest_rows holds each file's rows in line order, and DuckDB keeps it (preserve_insertion_order), so no
-- sort (which would hold every row in memory).
SELECT
  file_rank,
  customer_id,
  epoch_ms(ms)::TIMESTAMPTZ AS ts,
  amount,
  order_id,
  quantity,
  unit_price,
  country,
  channel,
  line AS source_line
FROM ingest_rows
WHERE reason IS NULL
