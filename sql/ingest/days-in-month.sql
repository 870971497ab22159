-- days_in_month(y, mo): the days of month mo (1-12) of year y in the proleptic Gregorian calendar.
CREATE OR REPLACE TEMP MACRO days_in_month(y, mo) AS
  CASE
    WHEN mo = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
    WHEN mo IN (4, 6, 9, 11) THEN 30
    ELSE 31
  END;
