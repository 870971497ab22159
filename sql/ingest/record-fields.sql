-- record_fields(text, delimiter, whitespace, field_re): the fields of a complete record. Without a quote a
-- plain split; with quotes each field is matched by field_re (lib/ingest/record-patterns.ts) and a quoted
-- one loses its quotes (`""` inside is one quote); a quote inside an unquoted field is a plain character.
CREATE OR REPLACE TEMP MACRO record_fields(text, delimiter, whitespace, field_re) AS
  CASE
    WHEN whitespace THEN regexp_split_to_array(trim(text, ' ' || chr(9)), '[ \t]+')
    WHEN NOT contains(text, '"') THEN string_split(text, delimiter)
    ELSE list_transform(
      regexp_extract_all(text, field_re, 1),
      f -> CASE WHEN starts_with(f, '"') THEN replace(substr(f, 2, length(f) - 2), '""', '"') ELSE f END
    )
  END;
