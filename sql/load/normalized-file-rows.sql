-- Append the transactions of one normalized Parquet file (normalized/<dataset>/<source>.parquet) to the
-- temporary table normalized_rows, numbered after the rows of the files before it: seq = the file's offset
-- + its row number, so the rows keep the order the files are listed in, then their order in each file.
-- Empty order ids and categories are missing values, as when the table is built row by row.
--
-- Parameters (`?`): the file's offset (rows before it), the file's path.
INSERT INTO normalized_rows
SELECT
  CAST(CAST(? AS BIGINT) + file_row_number AS INTEGER) AS seq,
  customer_id,
  CAST(epoch_ms(ts) AS DOUBLE) AS ts_ms,
  amount,
  NULLIF(order_id, '') AS order_id,
  NULLIF(country, '') AS country,
  NULLIF(channel, '') AS channel
FROM read_parquet(?, file_row_number = true)
