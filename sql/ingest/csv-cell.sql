-- csv_cell(v): a raw value as one quarantine CSV cell: text a spreadsheet would run as a formula (starting
-- with = + - @, tab or CR, or already with ') gets a leading ', plain numbers excepted, so stripping one
-- leading ' always recovers the raw text; cells with a comma, quote or line break are quoted.
CREATE OR REPLACE TEMP MACRO csv_cell(v) AS
  quoted_cell(
    CASE
      WHEN regexp_matches(v, '^[=+\-@\t\r'']') AND NOT regexp_full_match(v, '[+-]?\d+(\.\d+)?') THEN '''' || v
      ELSE v
    END
  );
