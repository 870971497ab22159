-- time_parts(t): the pieces of a time of day `H:MM[:SS[.fff]][zone]` as text, `h` empty when t is none.
CREATE OR REPLACE TEMP MACRO time_parts(t) AS
  regexp_extract(t, '^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?(.*)$', ['h', 'mi', 'sec', 'frac', 'zone']);
