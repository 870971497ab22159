-- plain_number(s): a plain decimal number (`-12.5`, `.5`, `1e3`) as a double, ±infinity past the double
-- range, NULL for anything else (DuckDB's own cast would also take `1_000` and spaces).
CREATE OR REPLACE TEMP MACRO plain_number(s) AS
  CASE
    WHEN s <> '' AND regexp_full_match(s, '[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?')
      THEN coalesce(try_cast(s AS DOUBLE), CASE WHEN starts_with(s, '-') THEN -1 ELSE 1 END * 'inf'::DOUBLE)
  END;
