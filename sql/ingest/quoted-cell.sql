-- quoted_cell(v): v as a CSV cell, quoted (quotes doubled) when it holds a comma, a quote or a line break.
CREATE OR REPLACE TEMP MACRO quoted_cell(v) AS
  CASE WHEN regexp_matches(v, '[",\r\n]') THEN '"' || replace(v, '"', '""') || '"' ELSE v END;
