-- The figures of each file's ingest report from ingest_rows: rows read, accepted, by rejection reason,
-- distinct customers, first and last instant, the net amount, accepted rows that repeat an earlier one of
-- the file, and records left open (a quoted field spanning lines: lib/ingest/ingest-core.ts joins them
-- and reads the file again).
SELECT
  file_rank,
  count(*) AS rows_read,
  count(*) FILTER (WHERE reason IS NULL) AS rows_accepted,
  histogram(reason) FILTER (WHERE reason IS NOT NULL) AS rejected_by_reason,
  count(DISTINCT customer_id) FILTER (WHERE reason IS NULL) AS customers,
  min(ms) FILTER (WHERE reason IS NULL) AS first_ms,
  max(ms) FILTER (WHERE reason IS NULL) AS last_ms,
  coalesce(sum(amount) FILTER (WHERE reason IS NULL), 0) AS amount_total,
  count(*) FILTER (WHERE reason IS NULL) - count(DISTINCT row_hash) FILTER (WHERE reason IS NULL) AS repeated_rows,
  count(*) FILTER (WHERE opens) AS open_records
FROM ingest_rows
GROUP BY file_rank
