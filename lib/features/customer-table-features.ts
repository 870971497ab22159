import type { CustomerRows, CustomerTable } from '../ingest/load-customer-table';
import type { FeatureMatrix, LabelledRows } from '../model/feature-matrix';
import { DAY_MS } from '../time';
import { OTHER_LEVEL } from './compute-features';

/**
 * How one customer-table column becomes model inputs. The network's own transforms (standardization, a
 * log for skewed columns, fitted on the training rows and saved in model.json) apply on top, as for the
 * transaction features.
 */
export type ColumnEncoding =
  /** The number itself; a missing value becomes `impute` (the training median), flagged in `<name>:missing` if training had any. */
  | { name: string; kind: 'number'; impute: number; missingIndicator: boolean }
  /** Days before the as-of instant; missing values as for numbers. */
  | { name: string; kind: 'date'; impute: number; missingIndicator: boolean }
  /** One-hot over `levels` plus `<name>=__other__` for any other value, unseen or missing. */
  | { name: string; kind: 'category'; levels: string[] };

/**
 * Everything that decides how a customer-table row is encoded, fitted on training rows only and saved in
 * meta.json: the same spec encodes training rows, batch scoring and `POST /predict` features.
 */
export interface CustomerTableEncoding {
  version: 1;
  /** Column of the customer id: not an input. */
  idColumn: string;
  /** Column of the label: never an input. */
  labelColumn: string;
  /** ISO instant, exclusive: dates become days before it unless an encoding call gives another as-of. */
  asOf: string;
  columns: ColumnEncoding[];
  /** Columns of the training table that are not inputs, and why (accepted in rows, never read). */
  ignoredColumns: { name: string; reason: string }[];
}

/** Why a row cannot be encoded; `column` names the column at fault. */
export type CustomerFeatureErrorCode =
  | 'not_an_object'
  | 'unknown_column'
  | 'missing_column'
  | 'not_a_number'
  | 'out_of_range'
  | 'not_a_date'
  | 'date_after_as_of'
  | 'not_a_category';

/**
 * A customer-table row the model cannot take: the message names the column and the problem. `row` is the
 * index of the row in an {@link encodeCustomerRows} batch (for a field path such as `customers[row].features`).
 */
export class CustomerFeatureError extends Error {
  constructor(
    readonly code: CustomerFeatureErrorCode,
    readonly column: string | undefined,
    message: string,
    readonly row?: number,
  ) {
    super(message);
    this.name = 'CustomerFeatureError';
  }
}

/** One row as a plain object: column name → value (`null` or absent = missing). */
export type CustomerRowInput = Readonly<Record<string, string | number | null | undefined>>;

export interface EncodeOptions {
  /** Epoch ms, exclusive: dates become days before it; default the encoding's own `asOf`. */
  asOf?: number;
}

/** Most one-hot levels of a category column (the most frequent); rarer values go to the other bucket. */
export const MAX_CATEGORY_LEVELS = 20;
/** A level needs this many training rows to get its own column. */
export const MIN_LEVEL_ROWS = 2;
/** A text column with more distinct values than this share of its rows is an identifier, not a category. */
const MAX_DISTINCT_SHARE = 0.5;

/** Model input names of an encoding, in the order {@link encodeCustomerRow} writes them. */
export function customerFeatureNames(encoding: CustomerTableEncoding): string[] {
  return encoding.columns.flatMap((c) => {
    if (c.kind === 'category') return [...c.levels.map((l) => `${c.name}=${l}`), `${c.name}=${OTHER_LEVEL}`];
    const value = c.kind === 'date' ? `${c.name}:days_before_as_of` : c.name;
    return c.missingIndicator ? [value, `${c.name}:missing`] : [value];
  });
}

/**
 * Fit the encoding on the training rows `rows` of `table` (indices; no other row is looked at): medians
 * of number and date columns, levels of text columns (at most {@link MAX_CATEGORY_LEVELS}, each seen on
 * at least {@link MIN_LEVEL_ROWS} rows). Text columns that look like identifiers and columns without any
 * value are ignored, with the reason recorded.
 */
export function fitCustomerTableEncoding(
  table: CustomerTable,
  rows: ArrayLike<number>,
  asOf: number,
): CustomerTableEncoding {
  const columns: ColumnEncoding[] = [];
  const ignoredColumns: CustomerTableEncoding['ignoredColumns'] = [];
  for (const column of table.columns) {
    if (column.type === 'string') {
      const counts = new Map<string, number>();
      let present = 0;
      for (let i = 0; i < rows.length; i++) {
        const v = column.values[rows[i] as number];
        if (v === null || v === undefined) continue;
        present++;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      if (present > 0 && counts.size > MAX_DISTINCT_SHARE * present && counts.size > MAX_CATEGORY_LEVELS) {
        ignoredColumns.push({
          name: column.name,
          reason: `identifier-like: ${counts.size} distinct values in ${present} rows`,
        });
        continue;
      }
      const levels = [...counts]
        .filter(([, n]) => n >= MIN_LEVEL_ROWS)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_CATEGORY_LEVELS)
        .map(([level]) => level);
      if (levels.length === 0) {
        ignoredColumns.push({
          name: column.name,
          reason: `no value repeats on ${MIN_LEVEL_ROWS} training rows`,
        });
        continue;
      }
      columns.push({ name: column.name, kind: 'category', levels });
      continue;
    }
    const present: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const v = column.values[rows[i] as number] as number;
      if (Number.isNaN(v)) continue;
      present.push(column.type === 'timestamp' ? daysBefore(v, asOf, column.name) : v);
    }
    if (present.length === 0) {
      ignoredColumns.push({ name: column.name, reason: 'no value in the training rows' });
      continue;
    }
    columns.push({
      name: column.name,
      kind: column.type === 'timestamp' ? 'date' : 'number',
      impute: median(present),
      missingIndicator: present.length < rows.length,
    });
  }
  return {
    version: 1,
    idColumn: table.idColumn,
    labelColumn: table.labelColumn,
    asOf: new Date(asOf).toISOString(),
    columns,
    ignoredColumns,
  };
}

/**
 * Encode one row given as a plain object — a `POST /predict` request's `features`, or a table row — into
 * the model's inputs (in {@link customerFeatureNames} order). Numbers may be JSON numbers or numeric text;
 * dates an ISO date (`2024-01-31`, or a full ISO instant) or epoch milliseconds; categories text (or a
 * number, read as its text). `null`, an absent column or empty text is a missing value. The id and label
 * columns and the encoding's ignored columns are accepted and not read.
 * @param out where to write (default a new array), at `offset`
 * @throws {@link CustomerFeatureError} naming the column: an unknown column, a value of the wrong type, a
 * date at or after the as-of
 */
export function encodeCustomerRow(
  encoding: CustomerTableEncoding,
  row: CustomerRowInput,
  options: EncodeOptions = {},
  out: Float32Array = new Float32Array(customerFeatureNames(encoding).length),
  offset = 0,
): Float32Array {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new CustomerFeatureError(
      'not_an_object',
      undefined,
      'features must be an object of column → value',
    );
  const known = knownColumns(encoding);
  for (const name of Object.keys(row)) {
    if (!known.has(name))
      throw new CustomerFeatureError(
        'unknown_column',
        name,
        `unknown column "${name}"; the model reads ${encoding.columns.map((c) => c.name).join(', ')}`,
      );
  }
  const asOf = options.asOf ?? Date.parse(encoding.asOf);
  let at = offset;
  for (const column of encoding.columns) {
    const raw = row[column.name];
    if (column.kind === 'category') {
      const level = categoryValue(raw, column.name);
      const hit = level === undefined ? -1 : column.levels.indexOf(level);
      for (let l = 0; l <= column.levels.length; l++) out[at + l] = 0;
      out[at + (hit >= 0 ? hit : column.levels.length)] = 1;
      at += column.levels.length + 1;
      continue;
    }
    const value =
      column.kind === 'number' ? numberValue(raw, column.name) : dateValue(raw, column.name, asOf);
    out[at++] = value === undefined ? column.impute : value;
    if (column.missingIndicator) out[at++] = value === undefined ? 1 : 0;
  }
  return out;
}

/**
 * Encode many rows (a request's customers) into a feature matrix for `TrainedModel.predict`.
 * @throws {@link CustomerFeatureError} for the first bad row, with its index in `row` and the message
 */
export function encodeCustomerRows(
  encoding: CustomerTableEncoding,
  rows: readonly CustomerRowInput[],
  options: EncodeOptions = {},
): FeatureMatrix {
  const names = customerFeatureNames(encoding);
  const values = new Float32Array(rows.length * names.length);
  rows.forEach((row, r) => {
    try {
      encodeCustomerRow(encoding, row, options, values, r * names.length);
    } catch (e: unknown) {
      if (e instanceof CustomerFeatureError)
        throw new CustomerFeatureError(e.code, e.column, `row ${r}: ${e.message}`, r);
      throw e;
    }
  });
  return {
    names,
    rows: rows.length,
    cols: names.length,
    values,
    customers: Int32Array.from(rows, (_, r) => r),
  };
}

/**
 * Encode rows `rows` of a table (training, evaluation or batch scoring) through the same
 * {@link encodeCustomerRow} as serving; a label column, if the table has one, is not read.
 * Matrix row i is table row `rows[i]` (`customers` holds the table row).
 * @throws {@link CustomerFeatureError} naming the column and the customer
 */
export function encodeTableRows(
  encoding: CustomerTableEncoding,
  table: CustomerRows,
  rows: ArrayLike<number>,
  options: EncodeOptions = {},
): FeatureMatrix {
  const names = customerFeatureNames(encoding);
  const values = new Float32Array(rows.length * names.length);
  const row: Record<string, string | number | null> = {};
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    for (const column of table.columns) row[column.name] = column.values[r] ?? null;
    try {
      encodeCustomerRow(encoding, row, options, values, i * names.length);
    } catch (e: unknown) {
      if (e instanceof CustomerFeatureError)
        throw new CustomerFeatureError(e.code, e.column, `customer ${table.customerIds[r]}: ${e.message}`);
      throw e;
    }
  }
  return { names, rows: rows.length, cols: names.length, values, customers: Int32Array.from(rows) };
}

/**
 * {@link encodeTableRows} of a labelled table, with `label` = the table's label clipped at 0 (spend is never
 * negative) for each encoded row.
 */
export function encodeCustomerTable(
  encoding: CustomerTableEncoding,
  table: CustomerTable,
  rows: ArrayLike<number>,
  options: EncodeOptions = {},
): LabelledRows {
  const label = Float32Array.from(rows, (r) => Math.max(0, table.label[r] as number));
  return { features: encodeTableRows(encoding, table, rows, options), label };
}

/** The end of the UTC day of the latest date in the table's date columns, or `undefined` without dates. */
export function latestDateAsOf(table: CustomerRows): number | undefined {
  let latest = Number.NEGATIVE_INFINITY;
  for (const column of table.columns)
    if (column.type === 'timestamp') for (const t of column.values) if (t > latest) latest = t;
  return Number.isFinite(latest) ? Math.floor(latest / DAY_MS) * DAY_MS + DAY_MS : undefined;
}

const knownColumnsCache = new WeakMap<CustomerTableEncoding, Set<string>>();

function knownColumns(encoding: CustomerTableEncoding): Set<string> {
  let known = knownColumnsCache.get(encoding);
  if (!known) {
    known = new Set([
      encoding.idColumn,
      encoding.labelColumn,
      ...encoding.columns.map((c) => c.name),
      ...encoding.ignoredColumns.map((c) => c.name),
    ]);
    knownColumnsCache.set(encoding, known);
  }
  return known;
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isMissing(raw: unknown): raw is null | undefined | '' {
  return raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '');
}

function numberValue(raw: string | number | null | undefined, column: string): number | undefined {
  if (isMissing(raw) || (typeof raw === 'number' && Number.isNaN(raw))) return undefined;
  const value = typeof raw === 'string' && NUMBER_TEXT.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new CustomerFeatureError(
      'not_a_number',
      column,
      `column "${column}" must be a number, got ${JSON.stringify(raw)}`,
    );
  // A model input is a float32: a larger magnitude would become Infinity in the feature matrix.
  if (Math.abs(value) > FLOAT32_MAX)
    throw new CustomerFeatureError(
      'out_of_range',
      column,
      `column "${column}" is ${value}, beyond ±${FLOAT32_MAX.toPrecision(3)}, the range of a model input`,
    );
  return value;
}

/** The largest finite float32, the type of every model input. */
const FLOAT32_MAX = 3.4028234663852886e38;

function dateValue(
  raw: string | number | null | undefined,
  column: string,
  asOf: number,
): number | undefined {
  if (isMissing(raw) || (typeof raw === 'number' && Number.isNaN(raw))) return undefined;
  let time = Number.NaN;
  if (typeof raw === 'number') time = raw;
  else if (typeof raw === 'string' && ISO_DATE.test(raw.trim())) {
    const text = raw.trim();
    // A bare date or a local time is read as UTC, as ingestion reads dates.
    time = Date.parse(
      /[T ]\d{2}:\d{2}/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)
        ? `${text.replace(' ', 'T')}Z`
        : text,
    );
  }
  if (!Number.isFinite(time))
    throw new CustomerFeatureError(
      'not_a_date',
      column,
      `column "${column}" must be a date (YYYY-MM-DD, an ISO 8601 instant or epoch milliseconds), got ${JSON.stringify(raw)}`,
    );
  return daysBefore(time, asOf, column);
}

function categoryValue(raw: string | number | null | undefined, column: string): string | undefined {
  if (isMissing(raw)) return undefined;
  if (typeof raw === 'number') return Number.isNaN(raw) ? undefined : String(raw);
  if (typeof raw !== 'string')
    throw new CustomerFeatureError(
      'not_a_category',
      column,
      `column "${column}" must be text, got ${JSON.stringify(raw)}`,
    );
  return raw.trim();
}

function daysBefore(time: number, asOf: number, column: string): number {
  if (time >= asOf)
    throw new CustomerFeatureError(
      'date_after_as_of',
      column,
      `column "${column}" is ${new Date(time).toISOString()}, not before the as-of ${new Date(asOf).toISOString()}: a feature cannot see the future`,
    );
  return (asOf - time) / DAY_MS;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}
