-- The rows of ingest_rows for customer tables (one row per customer): every record, the reason it is rejected (NULL
-- when accepted) and its values by the column types sniffing found ($types: string, double or timestamp,
-- one a column). Checks in order: the record (as for transactions), missing_customer_id, value_too_long,
-- missing_target, then the first column whose value is not of its type (unparseable_target for the label,
-- unparseable_number, unparseable_date), and last duplicate_customer_id (the first valid row of a customer
-- is kept, per file). Input: the view record_lines, as transaction-rows.sql.
WITH fields AS (
  SELECT * FROM file_records($whitespace, $complete_re, $open_re, $too_long, $delimiter, $field_re, $width)
),
texts AS (
  SELECT
    file_rank,
    line,
    state,
    fields,
    record_reason,
    customer_id_of(fields[$customer]) AS customer_id,
    list_transform(list_slice(fields, 1, $width), f -> trim_text(f)) AS texts
  FROM fields
),
typed AS (
  SELECT
    *,
    list_transform(
      range(1, $width + 1),
      i -> CASE WHEN $types[i] = 'double' AND texts[i] <> '' THEN parse_number(texts[i], $decimal_comma) END
    ) AS numbers,
    list_transform(
      range(1, $width + 1),
      i -> CASE WHEN $types[i] = 'timestamp' AND texts[i] <> '' THEN parse_epoch_ms(texts[i], $date_format) END
    ) AS instants
  FROM texts
),
checked AS (
  SELECT
    *,
    list_position(
      list_transform(
        range(1, $width + 1),
        i -> i <> $customer AND texts[i] <> '' AND (
          ($types[i] = 'double' AND NOT coalesce(isfinite(numbers[i]), false))
          OR ($types[i] = 'timestamp' AND instants[i] IS NULL)
        )
      ),
      true
    ) AS bad_column
  FROM typed
),
judged AS (
  SELECT
    *,
    CASE
      WHEN record_reason IS NOT NULL THEN record_reason
      WHEN customer_id = '' THEN 'missing_customer_id'
      WHEN length(customer_id) > $max_value_chars THEN 'value_too_long'
      WHEN $target > 0 AND texts[$target] = '' THEN 'missing_target'
      WHEN bad_column > 0 THEN
        CASE
          WHEN $types[bad_column] = 'timestamp' THEN 'unparseable_date'
          WHEN bad_column = $target THEN 'unparseable_target'
          ELSE 'unparseable_number'
        END
    END AS first_reason
  FROM checked
),
deduplicated AS (
  SELECT
    *,
    CASE
      WHEN first_reason IS NULL
        AND row_number() OVER (PARTITION BY file_rank, first_reason IS NULL, customer_id ORDER BY line) > 1
        THEN 'duplicate_customer_id'
      ELSE first_reason
    END AS reason
  FROM judged
)
SELECT
  file_rank,
  line,
  reason,
  state = 'open' AS opens,
  customer_id,
  NULL::BIGINT AS ms,
  NULL::DOUBLE AS amount,
  texts,
  numbers,
  instants,
  hash(fields) AS row_hash,
  CASE WHEN reason IS NOT NULL THEN fields END AS fields
FROM deduplicated
ORDER BY file_rank, line
