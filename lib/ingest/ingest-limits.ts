/**
 * The limits of one ingest: every resource an upload can inflate has one, so a hostile or broken file
 * costs bounded time, memory and disk, and what is good in it is kept. Each is read from the environment
 * (the variable named beside it; README "Limits and known gaps") once per ingest, else the default.
 * - a physical line (a record on one line) over `maxRecordBytes` is rejected as `record_too_long`, and a
 *   quoted record spanning lines likewise: the file goes on at the next line;
 * - a header of more than `maxColumns` columns fails the file (`too_many_columns`); a row with more fields
 *   is rejected as `wrong_column_count` (its fields are not split further);
 * - an id-like value (customer, order, country, channel) over `maxValueChars` is rejected as `value_too_long`;
 * - decompressed input over `maxInputBytes` is cut at the last whole line before it: the rows up to there
 *   are ingested and the report says where it stopped (`truncated`);
 * - the quarantine keeps the first `maxQuarantineBytes` of rejected rows (every one is counted), each row
 *   cut to {@link QUARANTINE_ROW_CHARS} characters.
 * /tmp holds the decompressed input, the rows of a big input as Parquet, the outputs and DuckDB's spill
 * files: about `maxInputBytes` + twice its Parquet + `maxQuarantineBytes` + spills; the default 2 GiB keeps
 * that within the preprocess function's 4 GB of /tmp (serverless.yml ephemeralStorageSize).
 */
export interface IngestLimits {
  maxRecordBytes: number;
  maxColumns: number;
  maxValueChars: number;
  maxInputBytes: number;
  maxQuarantineBytes: number;
}

/** A quarantined row is cut to this many characters (its line and reason always stay). */
export const QUARANTINE_ROW_CHARS = 16_384;

const LIMITS: Record<keyof IngestLimits, { variable: string; fallback: number }> = {
  maxRecordBytes: { variable: 'INGEST_MAX_RECORD_BYTES', fallback: 64 * 1024 },
  maxColumns: { variable: 'INGEST_MAX_COLUMNS', fallback: 1_000 },
  maxValueChars: { variable: 'INGEST_MAX_VALUE_CHARS', fallback: 1_024 },
  maxInputBytes: { variable: 'INGEST_MAX_INPUT_BYTES', fallback: 2 * 2 ** 30 },
  maxQuarantineBytes: { variable: 'INGEST_MAX_QUARANTINE_BYTES', fallback: 100 * 2 ** 20 },
};

/** An INGEST_* variable that is not a positive whole number. */
export class IngestLimitError extends Error {
  constructor(variable: string, value: string) {
    super(`environment variable ${variable}="${value}" must be a whole number ≥ 1`);
    this.name = 'IngestLimitError';
  }
}

/**
 * The limits of an environment (`process.env` by default).
 * @throws IngestLimitError naming a variable that is set but unusable
 */
export function ingestLimits(env: NodeJS.ProcessEnv = process.env): IngestLimits {
  const limits = {} as IngestLimits;
  for (const [key, { variable, fallback }] of Object.entries(LIMITS)) {
    const text = env[variable];
    const value = text === undefined || text === '' ? fallback : Number(text);
    if (!(Number.isSafeInteger(value) && value >= 1)) throw new IngestLimitError(variable, String(text));
    limits[key as keyof IngestLimits] = value;
  }
  return limits;
}
