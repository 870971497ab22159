-- Append the transactions of normalized Parquet files (normalized/<dataset>/<source>.parquet) to the
-- temporary table normalized_rows, numbered in the order of the files, then of their rows: seq = the
-- file's offset (the rows of the files before it) + its row number. Empty order ids and categories are
-- missing values, as when the table is built row by row.
--
-- Parameters (`?`): the files' paths (VARCHAR[]), their offsets (BIGINT[], in the same order), the paths
-- again (what read_parquet reads).
INSERT INTO normalized_rows
WITH offsets AS (
  SELECT UNNEST(?) AS file_name, UNNEST(?) AS file_offset
),
ranked AS (
  SELECT file_name, file_offset, CAST(row_number() OVER (ORDER BY file_offset, file_name) AS INTEGER) AS file_rank
  FROM offsets
)
SELECT
  CAST(o.file_offset + t.file_row_number AS INTEGER) AS seq,
  o.file_rank,
  t.customer_id,
  CAST(epoch_ms(t.ts) AS DOUBLE) AS ts_ms,
  t.amount,
  NULLIF(t.order_id, '') AS order_id,
  t.quantity,
  t.unit_price,
  NULLIF(t.country, '') AS country,
  NULLIF(t.channel, '') AS channel
FROM read_parquet(?, filename = true, file_row_number = true) t
JOIN ranked o ON o.file_name = t.filename
