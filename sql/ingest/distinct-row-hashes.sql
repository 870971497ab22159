-- Each file's distinct hashes of its accepted rows' raw fields (batch_row_hashes, filled from ingest_rows):
-- reports/ingest/<dataset>/<source>.rowhashes, which later ingests of the dataset compare theirs with
-- (rows-held-elsewhere.sql).
SELECT file_rank, row_hash FROM batch_row_hashes
