-- file_records(whitespace, complete_re, open_re, too_long, delimiter, field_re, width): the records of the
-- view record_lines (the lines of the files being ingested) after each file's header, blank lines left
-- out: each record's state (record_state, or the state record-assembly.ts gave a record it joined), its
-- text, its fields when complete, whether it has the header's width (more fields are allowed when the
-- extra ones are empty: `a,b,c,`), and the reason a record is rejected whatever its values: the first
-- checks of every kind of file (record_too_long, malformed_record, unclosed_quote, wrong_column_count).
CREATE OR REPLACE TEMP MACRO file_records(whitespace, complete_re, open_re, too_long, delimiter, field_re, width) AS TABLE
  SELECT
    file_rank,
    line,
    state,
    text,
    fields,
    width_ok,
    CASE
      WHEN state = 'too_long' THEN 'record_too_long'
      WHEN state = 'malformed' THEN 'malformed_record'
      WHEN state IN ('open', 'unclosed') THEN 'unclosed_quote'
      WHEN NOT width_ok THEN 'wrong_column_count'
    END AS record_reason
  FROM (
    SELECT
      *,
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
    )
  );
