-- raw_lines(paths, separator, max_line_bytes): every physical line of the staged inputs (lib/ingest/staged-input.ts)
-- in order, with the file it is in and its number `n` across all of them (a file's lines are numbered on
-- from the one before: its first line is min(n) of the file); an empty line is NULL. The separator is a
-- byte the files do not contain, so each line is one field and no quote is interpreted here: records and
-- fields are made in SQL from these.
CREATE OR REPLACE TEMP MACRO raw_lines(paths, separator, max_line_bytes) AS TABLE
  SELECT filename, row_number() OVER () AS n, text
  FROM read_csv(
    paths,
    header = false,
    auto_detect = false,
    delim = separator,
    quote = '',
    escape = '',
    columns = {'text': 'VARCHAR'},
    max_line_size = max_line_bytes,
    strict_mode = false,
    filename = true
  );
