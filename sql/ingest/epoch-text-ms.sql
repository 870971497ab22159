-- epoch_text_ms(s, unit_ms): epoch milliseconds of a field holding epoch seconds (unit 1000) or milliseconds
-- (unit 1), rounded half up as JavaScript's Math.round; NULL for anything else.
CREATE OR REPLACE TEMP MACRO epoch_text_ms(s, unit_ms) AS
  CASE WHEN regexp_full_match(s, '\d{9,13}(?:\.\d+)?') THEN floor(try_cast(s AS DOUBLE) * unit_ms + 0.5)::BIGINT END;
