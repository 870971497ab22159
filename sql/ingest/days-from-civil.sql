-- days_from_civil(y, mo, d): days from 1970-01-01 to a proleptic Gregorian date of a year ≥ 1 (H. Hinnant's
-- algorithm: March-based years of 400-year eras; integer arithmetic only).
CREATE OR REPLACE TEMP MACRO days_from_civil(y, mo, d) AS
  march_based_days((y - CASE WHEN mo <= 2 THEN 1 ELSE 0 END)::BIGINT, (mo + CASE WHEN mo > 2 THEN -3 ELSE 9 END)::BIGINT, d);
