-- date_parts(s, fmt): the pieces of a trimmed date field written in `fmt` (iso, ymd, dmy, mdy), all as
-- text, empty when it does not have that shape: `a`, `b`, `c` are year, month, day (iso, ymd), day, month,
-- year (dmy) or month, day, year (mdy); `s1`, `s2` the date separators (iso: both `-` or both `/`); `t` the
-- time of day that follows, if any. lib/ingest/value-parsers.ts parseDate is the reference.
CREATE OR REPLACE TEMP MACRO date_parts(s, fmt) AS
  CASE fmt
    WHEN 'iso' THEN regexp_extract(s, '^(\d{4})([-/])(\d{2})([-/])(\d{2})(?:[T ](.+))?$', ['a', 's1', 'b', 's2', 'c', 't'])
    WHEN 'ymd' THEN regexp_extract(s, '^(\d{4})()(\d{2})()(\d{2})()$', ['a', 's1', 'b', 's2', 'c', 't'])
    ELSE regexp_extract(s, '^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4}|\d{2})(?:[ T](.*))?$', ['a', 's1', 'b', 's2', 'c', 't'])
  END;
