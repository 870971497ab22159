-- The accepted rows of ingest_rows in the columns of normalized/<dataset>/<source>.parquet
-- (docs/contracts.md), in file order, with the file's file_rank to write one Parquet file per source.
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
ORDER BY file_rank, line
