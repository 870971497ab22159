-- Every row of one normalized customer-table Parquet file (one row per customer: customer_id, the label,
-- the other columns as ingestion typed them), in file order.
-- One parameter (`?`): the file's path.
SELECT *
FROM read_parquet(?)
