-- For each file of the batch (file_rank), its distinct accepted rows that another source of the dataset
-- holds too: another file of the batch (batch_row_hashes: each file's distinct row hashes), or a source of
-- the store whose row hashes known_row_hashes has (source_key, row_hash); the stored lists of the batch's
-- own sources (batch_files.source_key) are being replaced, so they do not count. $with_known false leaves
-- the store out (local files, compared only with each other).
WITH mine AS (
  SELECT file_rank, row_hash FROM batch_row_hashes
),
holders AS (
  SELECT row_hash, count(DISTINCT file_rank) AS sources
  FROM (
    SELECT file_rank, row_hash FROM mine
    UNION ALL
    SELECT -1 AS file_rank, row_hash
    FROM known_row_hashes
    WHERE $with_known AND source_key NOT IN (SELECT source_key FROM batch_files WHERE source_key IS NOT NULL)
  )
  GROUP BY row_hash
)
SELECT file_rank, count(*) AS shared
FROM mine JOIN holders USING (row_hash)
WHERE sources > 1
GROUP BY file_rank
