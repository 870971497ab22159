-- file_records(whitespace, complete_re, open_re, too_long, delimiter, field_re, width): the records of the
-- view record_lines (the lines of the files being ingested) after each file's header, blank lines left
-- out: each record's state (record_state, or the state record-assembly.ts gave a record it joined), its
-- text, its fields when complete, and whether it has the header's width (more fields are allowed when the
-- extra ones are empty: `a,b,c,`).
CREATE OR REPLACE TEMP MACRO file_records(whitespace, complete_re, open_re, too_long, delimiter, field_re, width) AS TABLE
  SELECT
    file_rank,
    line,
    state,
    text,
    fields,
    state = 'complete' AND (
      len(fields) = width
      OR (len(fields) > width AND array_to_string(list_slice(fields, width + 1, len(fields)), '') = '')
    ) AS width_ok
  FROM (
    SELECT
      file_rank,
      line,
      state,
      text,
      CASE WHEN state = 'complete' THEN record_fields(text, delimiter, whitespace, field_re) END AS fields
    FROM (
      SELECT
        file_rank,
        line,
        coalesce(forced_state, record_state(text, whitespace, complete_re, open_re, too_long)) AS state,
        text
      FROM record_lines
      WHERE line > header_line
    )
    WHERE state <> 'blank'
  );
