-- line_amount(quantity, unit_price): quantity × unit price rounded to 1e-6 (so 6 × 2.55 is 15.3, not
-- 15.299999999999999), rounding halves up as JavaScript's Math.round; NULL when it is past the double range.
CREATE OR REPLACE TEMP MACRO line_amount(quantity, unit_price) AS
  floor(quantity * unit_price * 1e6 + 0.5) / 1e6;
