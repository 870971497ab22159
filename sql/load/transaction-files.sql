-- Which of the given Parquet files hold transactions: every column loading reads is in their schema
-- (customer-table files have other columns), with each file's row count from its footer.
-- One parameter (`?`): the files' paths (VARCHAR[]).
WITH wanted AS (
  SELECT file_name
  FROM parquet_schema(?)
  WHERE name IN ('customer_id', 'ts', 'amount', 'order_id', 'country', 'channel')
  GROUP BY file_name
  HAVING COUNT(DISTINCT name) = 6
)
SELECT m.file_name, CAST(m.num_rows AS DOUBLE) AS num_rows
FROM parquet_file_metadata(?) m
JOIN wanted w ON w.file_name = m.file_name
