-- utc_epoch_ms(y, mo, d, h, mi, sec, ms): epoch milliseconds of a UTC date and time, NULL for one that does
-- not exist (2011-02-30, hour 24) instead of rolling it over. As JavaScript's Date.UTC: years 0-99 are
-- 1900-1999 (the caller maps them: `y` here is ≥ 100), and a leap second (:60) moves to the next minute
-- unless it would change the day. Plain integer arithmetic, so no value can raise an error.
CREATE OR REPLACE TEMP MACRO utc_epoch_ms(y, mo, d, h, mi, sec, ms) AS
  CASE
    WHEN mo BETWEEN 1 AND 12 AND d BETWEEN 1 AND days_in_month(y, mo) AND h <= 23 AND mi <= 59 AND sec <= 60
      AND NOT (h = 23 AND mi = 59 AND sec = 60)
    THEN days_from_civil(y, mo, d) * 86400000 + h * 3600000 + mi * 60000 + sec * 1000 + ms
  END;
