-- march_based_days(ym, mp, d): days from 1970-01-01 to day d of month mp (0 = March … 11 = February) of the
-- March-based year ym (days_from_civil).
CREATE OR REPLACE TEMP MACRO march_based_days(ym, mp, d) AS
  (ym // 400) * 146097 + (ym % 400) * 365 + (ym % 400) // 4 - (ym % 400) // 100 + (153 * mp + 2) // 5 + d - 1 - 719468;
