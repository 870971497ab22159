-- The quarantine CSV of each file of ingest_rows that has rejected rows, one text line a row in line
-- order: the header `source_line,reason,<the file's columns>` ($column_names), then each rejected row's
-- line, reason and raw fields as csv_cell. A row is cut to $row_chars characters, and a file's rows stop
-- once $max_bytes are written (the report counts every rejected row; the quarantine keeps the first ones).
SELECT file_rank, line, text
FROM (
  SELECT
    file_rank,
    0 AS line,
    'source_line,reason' || list_reduce(list_transform($column_names, n -> ',' || csv_cell(n)), (a, b) -> a || b, '') AS text
  FROM (SELECT DISTINCT file_rank FROM ingest_rows WHERE reason IS NOT NULL)
  UNION ALL
  SELECT
    file_rank,
    line,
    left(
      line || ',' || reason
        || list_reduce(list_transform(coalesce(fields, []), f -> ',' || csv_cell(f)), (a, b) -> a || b, ''),
      $row_chars
    ) AS text
  FROM ingest_rows
  WHERE reason IS NOT NULL
)
QUALIFY line = 0
  OR sum(length(text) + 1) OVER (PARTITION BY file_rank ORDER BY line ROWS UNBOUNDED PRECEDING) <= $max_bytes
ORDER BY file_rank, line
