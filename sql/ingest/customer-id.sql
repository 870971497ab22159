-- customer_id_of(s): the customer id of a raw field, trimmed (trim_text), with the `.0` of float-like ids
-- (`17850.0`, from spreadsheets) dropped; zero padding is kept. lib/ingest/value-parsers.ts
-- normalizeCustomerId.
CREATE OR REPLACE TEMP MACRO customer_id_of(s) AS
  CASE
    WHEN contains(s, '.') THEN regexp_replace(trim_text(s), '^(\d+)\.0+$', '\1')
    ELSE trim_text(s)
  END;
