-- parse_epoch_ms(s, fmt): epoch milliseconds of a trimmed date field in any of the date formats (iso, ymd,
-- dmy, mdy, epoch-s, epoch-ms), NULL when it is not a valid date in that format (lib/ingest/value-parsers.ts
-- parseDate). The transaction query computes the same in layers, so each regular expression runs once.
CREATE OR REPLACE TEMP MACRO parse_epoch_ms(s, fmt) AS
  CASE
    WHEN fmt = 'epoch-s' THEN epoch_text_ms(s, 1000)
    WHEN fmt = 'epoch-ms' THEN epoch_text_ms(s, 1)
    ELSE date_epoch_ms(date_parts(s, fmt), fmt, time_parts(date_parts(s, fmt).t))
  END;
