-- without_currency(s): s without currency signs, apostrophes (Swiss thousands) and white space.
CREATE OR REPLACE TEMP MACRO without_currency(s) AS
  regexp_replace(
    s,
    '[\s\x{000B}\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}$£€¥'']',
    '',
    'g'
  );
