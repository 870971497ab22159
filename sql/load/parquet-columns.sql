-- The column names of one Parquet file (its schema's leaves and root), read from its footer.
-- One parameter (`?`): the file's path.
SELECT name
FROM parquet_schema(?)
