/**
 * The regular expressions (RE2, as DuckDB runs them: linear time) that split a delimited line into CSV
 * fields by RFC 4180: a field is quoted (`"…"`, a quote inside doubled) or unquoted (not starting with a
 * quote; a quote later in it is a plain character, as exports write `12" ruler`).
 */
export interface RecordPatterns {
  /** A whole record: fields separated by the delimiter. */
  complete: string;
  /** A line that ends inside a quoted field: the record goes on on the next line. */
  open: string;
  /** One field, group 1, after the start or a delimiter (regexp_extract_all). */
  field: string;
  /** White space at the edge of some field of a line without quotes: its fields need trimming. */
  edgeSpace: string;
}

/** What JavaScript's trim removes, as an RE2 class body (sql/ingest/trim-text.sql has the same). */
const SPACE =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

/** The patterns for a one-character delimiter (any character: it is written as a code point). */
export function recordPatterns(delimiter: string): RecordPatterns {
  const d = `\\x{${(delimiter.codePointAt(0) ?? 44).toString(16)}}`;
  const quoted = '"(?:[^"]|"")*"';
  const field = `(?:${quoted}|[^"${d}][^${d}]*)?`;
  return {
    complete: `${field}(?:${d}${field})*`,
    open: `(?:${field}${d})*"(?:[^"]|"")*`,
    field: `(?:^|${d})(${quoted}|[^${d}]*)`,
    edgeSpace: `(?:^|${d})[${SPACE}]|[${SPACE}](?:${d}|$)`,
  };
}
