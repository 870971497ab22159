-- record_state(text, whitespace, complete_re, open_re, too_long): what a physical line is as a CSV record:
-- `blank` (skipped, not a row), `too_long` (the line staging replaced, over INGEST_MAX_RECORD_BYTES),
-- `complete`, `open` (it ends inside a quoted field: the record goes on on the next line), or `malformed`
-- (text after a closing quote, `"a"b`). The patterns come from lib/ingest/record-patterns.ts for the file's
-- delimiter; a line without a quote needs none. In whitespace-separated files quotes are plain characters.
CREATE OR REPLACE TEMP MACRO record_state(text, whitespace, complete_re, open_re, too_long) AS
  CASE
    WHEN text IS NULL OR text = '' OR (whitespace AND trim(text, ' ' || chr(9)) = '') THEN 'blank'
    WHEN text = too_long THEN 'too_long'
    WHEN whitespace OR NOT contains(text, '"') THEN 'complete'
    WHEN regexp_full_match(text, complete_re) THEN 'complete'
    WHEN regexp_full_match(text, open_re) THEN 'open'
    ELSE 'malformed'
  END;
