-- zone_offset_ms(z): milliseconds a trimmed time zone suffix (`Z`, `UTC`, `+02:00`, `-0530`) is ahead of
-- UTC; 0 for none, NULL for anything else.
CREATE OR REPLACE TEMP MACRO zone_offset_ms(z) AS
  CASE
    WHEN z IN ('', 'Z', 'UTC') THEN 0
    WHEN regexp_full_match(z, '[+-]\d{2}:?\d{2}')
      THEN CASE WHEN starts_with(z, '-') THEN -1 ELSE 1 END
        * (try_cast(substr(z, 2, 2) AS INT) * 60 + try_cast(right(z, 2) AS INT)) * 60000
  END;
