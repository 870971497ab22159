-- Each file's distinct hashes of its accepted rows' raw fields, sorted: reports/ingest/<dataset>/<source>.rowhashes,
-- which later ingests of the dataset compare theirs with (rows-held-elsewhere.sql).
SELECT DISTINCT file_rank, row_hash FROM ingest_rows WHERE reason IS NULL ORDER BY file_rank, row_hash
