-- customer_id_of(s): the customer id of a raw field, trimmed (trim_text), with the `.0` of float-like ids
-- (`17850.0`, from spreadsheets) dropped; zero padding is kept. lib/ingest/value-parsers.ts
-- normalizeCustomerId.
CREATE OR REPLACE TEMP MACRO customer_id_of(s) AS whole_number_id(trim_text(s));
