-- century(y): the full year of a year field: two digits are 1970-2069 (the POSIX strptime pivot), years
-- 0-99 written with four digits are 1900-1999 (as JavaScript's Date.UTC reads them).
CREATE OR REPLACE TEMP MACRO century(y) AS
  CASE
    WHEN length(y) = 2 THEN try_cast(y AS INT) + CASE WHEN try_cast(y AS INT) >= 70 THEN 1900 ELSE 2000 END
    WHEN try_cast(y AS INT) BETWEEN 0 AND 99 THEN try_cast(y AS INT) + 1900
    ELSE try_cast(y AS INT)
  END;
