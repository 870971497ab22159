-- The rows of ingest_rows for transaction logs: every record of the files (rows read = their rows), the reason it is
-- rejected (NULL when accepted) and its typed values. The checks run in this order, the first one failing
-- names the reason: the record itself (record_too_long, malformed_record, unclosed_quote,
-- wrong_column_count), the customer (missing_customer_id, value_too_long), the date (missing_date,
-- unparseable_date, date_before_1970, date_in_the_future) and the amount (missing_amount,
-- unparseable_amount, or without an amount column missing/unparseable_quantity and _unit_price, then
-- amount_not_finite, amount_out_of_range): lib/ingest/order-limits.ts gives the limits as parameters.
-- Input: the view record_lines(file_rank, line, text, forced_state, header_line) of files with one layout
-- (lib/ingest/ingest-core.ts); column positions are 1-based, 0 for a role the files do not have;

WITH fields AS (
  SELECT * FROM file_records($whitespace, $complete_re, $open_re, $too_long, $delimiter, $field_re, $width)
),
trimmed AS (
  -- Fields trimmed (trim_text) only where some may need it: most lines have no white space at a field's
  -- edge, and one look at the line is cheaper than a look at each field.
  SELECT
    *,
    CASE
      WHEN contains(text, '"') OR regexp_matches(text, $edge_space_re) THEN list_transform(fields, f -> trim_text(f))
      ELSE fields
    END AS values
  FROM fields
),
texts AS (
  SELECT
    file_rank,
    line,
    state,
    fields,
    record_reason,
    whole_number_id(values[$customer]) AS customer_id,
    values[$date] AS date_text,
    values[$amount] AS amount_text,
    values[$quantity] AS quantity_text,
    values[$unit_price] AS unit_price_text,
    nullif(values[$order_id], '') AS order_id,
    nullif(values[$country], '') AS country,
    nullif(values[$channel], '') AS channel
  FROM trimmed
),
plain_dates AS (
  -- The common shape `YYYY-MM-DD[ HH:MM[:SS[.fff]]]` (year 1000 on) is read by DuckDB's own cast, which
  -- agrees with parseDate there; anything else, and a cast that fails (2011-02-30, a leap second), goes
  -- the long way below.
  SELECT
    *,
    CASE
      WHEN $date_format = 'iso'
        AND regexp_full_match(date_text, '[1-9]\d{3}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?)?')
      THEN epoch_ms(try_cast(date_text AS TIMESTAMP))
    END AS plain_ms
  FROM texts
),
dated AS (
  SELECT
    *,
    CASE
      WHEN plain_ms IS NULL AND $date_format NOT IN ('epoch-s', 'epoch-ms') THEN date_parts(date_text, $date_format)
    END AS dp
  FROM plain_dates
),
timed AS (
  SELECT *, time_parts(dp.t) AS tp FROM dated
),
civil AS (
  -- The date's pieces as numbers, one column each, so the macros below expand over column references.
  SELECT
    *,
    dp.a <> '' AND ($date_format <> 'iso' OR dp.s1 = dp.s2) AND (dp.t = '' OR tp.h <> '') AS date_shape_ok,
    century(CASE WHEN $date_format IN ('iso', 'ymd') THEN dp.a ELSE dp.c END) AS y,
    try_cast(CASE WHEN $date_format = 'mdy' THEN dp.a ELSE dp.b END AS INT) AS mo,
    try_cast(CASE WHEN $date_format = 'dmy' THEN dp.a WHEN $date_format = 'mdy' THEN dp.b ELSE dp.c END AS INT) AS d,
    coalesce(try_cast(tp.h AS INT), 0) AS h,
    coalesce(try_cast(tp.mi AS INT), 0) AS mi,
    coalesce(try_cast(tp.sec AS INT), 0) AS sec,
    coalesce(try_cast(rpad(left(tp.frac, 3), 3, '0') AS INT), 0) AS msec,
    zone_offset_ms(trim_text(coalesce(tp.zone, ''))) AS zone_ms
  FROM timed
),
typed AS (
  SELECT
    *,
    CASE
      WHEN plain_ms IS NOT NULL THEN plain_ms
      WHEN $date_format = 'epoch-s' THEN epoch_text_ms(date_text, 1000)
      WHEN $date_format = 'epoch-ms' THEN epoch_text_ms(date_text, 1)
      WHEN date_shape_ok THEN utc_epoch_ms(y, mo, d, h, mi, sec, msec) - zone_ms
    END AS ms,
    parse_number(amount_text, $decimal_comma) AS amount_value,
    parse_number(quantity_text, $decimal_comma) AS quantity_value,
    parse_number(unit_price_text, $decimal_comma) AS unit_price_value
  FROM civil
),
amounts AS (
  SELECT
    *,
    CASE WHEN $amount > 0 THEN amount_value ELSE line_amount(quantity_value, unit_price_value) END AS amount
  FROM typed
),
judged AS (
  SELECT
    *,
    CASE
      WHEN record_reason IS NOT NULL THEN record_reason
      WHEN customer_id = '' THEN 'missing_customer_id'
      WHEN greatest(length(customer_id), length(order_id), length(country), length(channel)) > $max_value_chars
        THEN 'value_too_long'
      WHEN date_text = '' THEN 'missing_date'
      WHEN ms IS NULL THEN 'unparseable_date'
      WHEN ms < $earliest_ms THEN 'date_before_1970'
      WHEN ms > $now_ms THEN 'date_in_the_future'
      WHEN $amount > 0 AND amount_text = '' THEN 'missing_amount'
      WHEN $amount > 0 AND amount_value IS NULL THEN 'unparseable_amount'
      WHEN $amount = 0 AND quantity_value IS NULL
        THEN CASE WHEN quantity_text = '' THEN 'missing_quantity' ELSE 'unparseable_quantity' END
      WHEN $amount = 0 AND unit_price_value IS NULL
        THEN CASE WHEN unit_price_text = '' THEN 'missing_unit_price' ELSE 'unparseable_unit_price' END
      WHEN amount IS NULL OR NOT isfinite(amount) THEN 'amount_not_finite'
      WHEN abs(amount) > $max_abs_amount THEN 'amount_out_of_range'
    END AS reason
  FROM amounts
)
SELECT
  file_rank,
  line,
  reason,
  state = 'open' AS opens,
  customer_id,
  ms,
  amount,
  order_id,
  CASE WHEN isfinite(quantity_value) THEN quantity_value END AS quantity,
  CASE WHEN isfinite(unit_price_value) THEN unit_price_value END AS unit_price,
  country,
  channel,
  hash(fields) AS row_hash,
  CASE WHEN reason IS NOT NULL THEN fields END AS fields
FROM judged
