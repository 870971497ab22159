-- normalized_rows numbered again without gaps (after rows-once-across-files.sql deleted some), in the
-- same order: seq is each row's place in the TransactionTable.
CREATE OR REPLACE TEMP TABLE normalized_rows AS
SELECT * REPLACE (CAST(row_number() OVER (ORDER BY seq) - 1 AS INTEGER) AS seq)
FROM normalized_rows
