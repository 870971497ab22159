-- whole_number_id(t): a trimmed id without the `.0` of a float-like id (`17850.0` → `17850`).
CREATE OR REPLACE TEMP MACRO whole_number_id(t) AS
  CASE WHEN contains(t, '.') AND regexp_full_match(t, '\d+\.0+') THEN split_part(t, '.', 1) ELSE t END;
