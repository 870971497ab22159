-- parse_number(s, decimal_comma): the number a trimmed field writes, or NULL when it writes none
-- (lib/ingest/value-parsers.ts parseNumber): thousands separators, currency signs, spaces and a trailing
-- minus (`12.50-`, a credit) are allowed; a plain number too large for a double is ±infinity, as in
-- JavaScript, so the limits of lib/ingest/order-limits.ts can name it. RE2 matches in linear time: a
-- 40,000-digit amount followed by a letter costs microseconds, not seconds.
CREATE OR REPLACE TEMP MACRO parse_number(s, decimal_comma) AS
  plain_number(
    CASE
      WHEN NOT decimal_comma AND regexp_full_match(s, '[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?') THEN s
      ELSE credit_sign(
        CASE
          WHEN decimal_comma THEN regexp_replace(replace(without_currency(s), '.', ''), ',', '.')
          ELSE replace(without_currency(s), ',', '')
        END
      )
    END
  );
