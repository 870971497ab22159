-- trim_text(s): s without leading and trailing white space, as JavaScript's String.prototype.trim sees it
-- (Unicode white space and line terminators, the no-break space and the byte order mark included). Most
-- values start and end with a visible ASCII character and are returned as they are; the others go through
-- a regular expression with a constant class (faster in DuckDB than trim() given a set).
CREATE OR REPLACE TEMP MACRO trim_text(s) AS
  CASE
    WHEN s = '' OR (ord(left(s, 1)) BETWEEN 33 AND 126 AND ord(right(s, 1)) BETWEEN 33 AND 126) THEN s
    ELSE regexp_replace(
      s,
      '^[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+|[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+$',
      '',
      'g'
    )
  END;
