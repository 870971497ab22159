import {
  COLUMN_ROLES,
  type ColumnMapping,
  type ColumnRole,
  detectColumnsByHeader,
  findMappedColumn,
  isKnownHeaderName,
} from './column-mapping';
import { type DateFormat, type DecimalSeparator, parseDate, parseNumber } from './value-parsers';

/** `whitespace` means runs of spaces/tabs separate fields (CDNOW_master.txt). */
export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace' | string;

export type InputKind = 'transactions' | 'customer-table';

/** Type of a customer-table column in the normalized Parquet. */
export type CustomerColumnType = 'string' | 'double' | 'timestamp';

/** Everything sniffing learned about a file: how to split it, which column is what, how values are written. */
export interface FileLayout {
  kind: InputKind;
  delimiter: Delimiter;
  header: boolean;
  /** Header cells, or `column_1…` for a file without a header. */
  columnNames: string[];
  decimal: DecimalSeparator;
  dateFormat?: DateFormat;
  /** 0-based position of each role's column. */
  columns: Partial<Record<ColumnRole, number>>;
  /** How the columns were found: from an explicit mapping, header names, or value shapes (no header). */
  mappingSource: 'explicit' | 'header' | 'values';
  /** Customer tables: the type of every column. */
  columnTypes?: CustomerColumnType[];
}

/** Why a file cannot be ingested at all; `code` is a stable snake_case reason. */
export class UnusableInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnusableInputError';
  }
}

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;
const SNIFF_LINES = 200;
const MAPPING_HINT = 'set it with --columns or uploads/<dataset>/_mapping.json';
/** Transaction columns are looked for only when no label column was found: the file may be a customer table that lacks one. */
const LABEL_HINT =
  'if this is a customer table (one row per customer), training needs its label column (e.g. Future_Value) and none was found: set target=<column> the same way';

/**
 * Work out the layout of a delimited text file from its first bytes.
 * @param head the beginning of the file as text (whole lines only, unless the file is that short).
 * @throws {UnusableInputError} when the file is not a usable table, with a reason that says what to set.
 */
export function sniffLayout(
  head: string,
  mapping: ColumnMapping = {},
  maxColumns = Number.POSITIVE_INFINITY,
): FileLayout {
  const lines = head
    .split(/\r\n|\n|\r/)
    .filter((l) => l.trim() !== '')
    .slice(0, SNIFF_LINES);
  if (lines.length === 0) throw new UnusableInputError('empty_file', 'the file has no rows');
  const firstWidth = Math.max(...CANDIDATE_DELIMITERS.map((d) => (lines[0] as string).split(d).length));
  if (firstWidth > maxColumns) throw tooManyColumns(firstWidth, maxColumns);
  const sample = lines.join('\n');
  const delimiter = mapping.delimiter ?? detectDelimiter(lines, sample);
  const rows = splitSample(sample, delimiter);
  const first = rows[0] ?? [];
  const header = mapping.header ?? looksLikeHeader(first, rows.slice(1));
  let width = 0;
  for (const r of rows) width = Math.max(width, r.length);
  if (width > maxColumns) throw tooManyColumns(width, maxColumns);
  const columnNames = header
    ? first.map((h) => h.trim())
    : Array.from({ length: width }, (_, i) => `column_${i + 1}`);
  const body = header ? rows.slice(1) : rows;

  const { columns, mappingSource } = resolveColumns(mapping, header ? columnNames : undefined, body);
  // A customer table is recognized by its label column, unless the loader says it is one to score.
  if (mapping.unlabelledCustomerTable) delete columns.target;
  const kind: InputKind =
    mapping.unlabelledCustomerTable || columns.target !== undefined ? 'customer-table' : 'transactions';
  if (columns.customer === undefined) {
    throw new UnusableInputError(
      'no_customer_column',
      `no customer id column found (columns: ${columnNames.join(', ')}); ${MAPPING_HINT} (customer=<column>)`,
    );
  }
  const decimal = mapping.decimal ?? detectDecimal(body, numericRoles(columns), delimiter);
  const layout: FileLayout = { kind, delimiter, header, columnNames, decimal, columns, mappingSource };

  if (kind === 'transactions') {
    if (columns.date === undefined) {
      throw new UnusableInputError(
        'no_date_column',
        `no date column found; ${MAPPING_HINT} (date=<column>); ${LABEL_HINT}`,
      );
    }
    if (columns.amount === undefined && (columns.quantity === undefined || columns.unitPrice === undefined)) {
      throw new UnusableInputError(
        'no_amount_column',
        `no amount column (nor quantity and unit price) found; ${MAPPING_HINT} (amount=<column>); ${LABEL_HINT}`,
      );
    }
    layout.dateFormat = resolveDateFormat(
      mapping,
      valuesOf(body, columns.date),
      columnNames[columns.date] ?? '',
    );
  } else {
    layout.columnTypes = customerColumnTypes(body, width, columns, decimal, mapping);
    const dateColumn = layout.columnTypes.indexOf('timestamp');
    if (dateColumn >= 0) {
      layout.dateFormat = resolveDateFormat(
        mapping,
        valuesOf(body, dateColumn),
        columnNames[dateColumn] ?? '',
      );
    }
  }
  return layout;
}

/**
 * The most consistent candidate delimiter over the sample's records (a quoted field may hold line breaks);
 * whitespace runs when none fits.
 */
export function detectDelimiter(lines: readonly string[], sample = lines.join('\n')): Delimiter {
  let best: { delimiter: Delimiter; score: number } | undefined;
  for (const d of CANDIDATE_DELIMITERS) {
    const counts = splitSample(sample, d).map((r) => r.length - 1);
    const { value, share } = mode(counts);
    if (value === 0 || share < 0.9) continue;
    const score = share * 1000 + value;
    if (!best || score > best.score) best = { delimiter: d, score };
  }
  if (best) return best.delimiter;
  const widths = lines.map((l) => l.trim().split(/\s+/).length);
  const { value, share } = mode(widths);
  if (value >= 2 && share >= 0.9) return 'whitespace';
  throw new UnusableInputError(
    'no_delimiter',
    'not a delimited table: no comma, semicolon, tab, pipe or whitespace separates the lines into consistent columns',
  );
}

function tooManyColumns(width: number, maxColumns: number): UnusableInputError {
  return new UnusableInputError(
    'too_many_columns',
    `the file has ${width} columns, over the limit of ${maxColumns} (INGEST_MAX_COLUMNS)`,
  );
}

function mode(values: readonly number[]): { value: number; share: number } {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let value = 0;
  let top = 0;
  for (const [v, c] of counts) {
    if (c > top) {
      value = v;
      top = c;
    }
  }
  return { value, share: values.length === 0 ? 0 : top / values.length };
}

/**
 * Split the sample into records by the rules the ingest SQL applies (sql/ingest/record-fields.sql): RFC
 * 4180 quotes, `""` inside a quoted field, line breaks inside one, a quote inside an unquoted field kept
 * as it is; empty lines skipped. One pass over the sample, so linear in it.
 */
export function splitSample(text: string, delimiter: Delimiter): string[][] {
  if (delimiter === 'whitespace') return text.split('\n').map((l) => l.trim().split(/\s+/));
  const rows: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || field !== '') rows.push(fields);
    fields = [];
    field = '';
    fieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else if (fieldStart && c === '"') {
      quoted = true;
      fieldStart = false;
    } else {
      field += c;
      fieldStart = false;
    }
  }
  if (fields.length > 0 || field !== '') endRecord();
  return rows;
}

const NUMBER_LIKE = /^[\s$£€-]*[+-]?[\d.,]+\s*-?$/;

function looksLikeHeader(first: readonly string[], rest: readonly string[][]): boolean {
  if (first.some(isKnownHeaderName)) return true;
  // A header has no numbers where the data has them.
  const numericInData = first.map(
    (_, i) => rest.length > 0 && rest.every((r) => NUMBER_LIKE.test(r[i] ?? '')),
  );
  return first.some((cell, i) => numericInData[i] && !NUMBER_LIKE.test(cell) && cell.trim() !== '');
}

function resolveColumns(
  mapping: ColumnMapping,
  header: string[] | undefined,
  body: string[][],
): { columns: Partial<Record<ColumnRole, number>>; mappingSource: FileLayout['mappingSource'] } {
  const explicit = COLUMN_ROLES.filter((role) => mapping[role] !== undefined);
  const detected = header ? detectColumnsByHeader(header) : detectColumnsByValues(body);
  const columns: Partial<Record<ColumnRole, number>> = { ...detected };
  for (const role of explicit) {
    const name = mapping[role] as string;
    const at = findMappedColumn(header, name);
    if (at < 0) {
      throw new UnusableInputError(
        'mapped_column_missing',
        `the mapping names ${role}=${name}, but the file has no such column (columns: ${header?.join(', ') ?? 'no header'})`,
      );
    }
    // An explicit choice takes the column away from whatever role detection gave it.
    for (const other of COLUMN_ROLES) if (columns[other] === at) delete columns[other];
    columns[role] = at;
  }
  return { columns, mappingSource: explicit.length > 0 ? 'explicit' : header ? 'header' : 'values' };
}

/**
 * Without a header, columns are recognized by their values: the first column that holds dates in an
 * unambiguous format is the date, the first other column the customer, the last column with decimal
 * numbers the amount. The report shows what was chosen.
 */
function detectColumnsByValues(body: string[][]): Partial<Record<ColumnRole, number>> {
  const width = Math.max(0, ...body.map((r) => r.length));
  const columns: Partial<Record<ColumnRole, number>> = {};
  for (let i = 0; i < width && columns.date === undefined; i++) {
    const format = detectDateFormats(valuesOf(body, i));
    if (format.length === 1 && (format[0] === 'iso' || format[0] === 'ymd')) columns.date = i;
  }
  if (columns.date === undefined) return columns;
  columns.customer = columns.date === 0 ? 1 : 0;
  for (let i = width - 1; i >= 0; i--) {
    if (i === columns.date || i === columns.customer) continue;
    const values = valuesOf(body, i);
    if (values.length > 0 && values.every((v) => /^-?\d*\.\d+$/.test(v))) {
      columns.amount = i;
      break;
    }
  }
  return columns;
}

function valuesOf(body: readonly string[][], column: number): string[] {
  const out: string[] = [];
  for (const row of body) {
    const v = row[column]?.trim();
    if (v) out.push(v);
  }
  return out;
}

function numericRoles(columns: Partial<Record<ColumnRole, number>>): number[] {
  return (['amount', 'quantity', 'unitPrice', 'target'] as const)
    .map((r) => columns[r])
    .filter((i): i is number => i !== undefined);
}

/** `1.234,56`/`12,5` vote for a decimal comma, `1,234.56`/`12.5` for a point; a comma-delimited file cannot use a bare decimal comma unquoted, but may quote it. */
function detectDecimal(
  body: readonly string[][],
  columns: readonly number[],
  delimiter: Delimiter,
): DecimalSeparator {
  let comma = 0;
  let point = 0;
  const scan = columns.length > 0 ? columns : Array.from({ length: body[0]?.length ?? 0 }, (_, i) => i);
  for (const i of scan) {
    for (const v of valuesOf(body, i)) {
      if (/^[+-]?\d{1,3}(,\d{3})+$/.test(v) || /^[+-]?\d{1,3}(\.\d{3})+$/.test(v)) continue; // grouping only: no vote
      if (/^[^\d]*[+-]?[\d.]*\d,\d+[^\d]*$/.test(v)) comma++;
      else if (/^[^\d]*[+-]?[\d,]*\d\.\d+[^\d]*$/.test(v)) point++;
    }
  }
  return comma > point && (delimiter !== ',' || comma > 0) ? ',' : '.';
}

/** Every format that parses (nearly) all of the sample values. */
export function detectDateFormats(values: readonly string[]): DateFormat[] {
  if (values.length === 0) return [];
  const sample = values.slice(0, 2000);
  const successes = (format: DateFormat) => {
    let ok = 0;
    for (const v of sample) if (!Number.isNaN(parseDate(v, format))) ok++;
    return ok;
  };
  // Nearly all must parse: one bad value in a tiny sample, 10% in a large one, are rows to reject later.
  const needed = Math.max(1, Math.min(Math.ceil(sample.length * 0.9), sample.length - 1));
  const fits = (format: DateFormat) => successes(format) >= needed;
  if (fits('iso')) return ['iso'];
  const digitsOnly = sample.every((v) => /^\d+(\.\d+)?$/.test(v));
  if (digitsOnly) {
    if (sample.every((v) => v.length === 8) && fits('ymd')) return ['ymd'];
    if (sample.every((v) => /^\d{12,13}(\.\d+)?$/.test(v))) return ['epoch-ms'];
    if (sample.every((v) => /^\d{9,10}(\.\d+)?$/.test(v))) return ['epoch-s'];
    return [];
  }
  // A value like 25/06 parses day-first only: the format that parses more values is settled by the data.
  const dayFirst = successes('dmy');
  const monthFirst = successes('mdy');
  if (dayFirst < needed && monthFirst < needed) return [];
  if (dayFirst === monthFirst) return ['dmy', 'mdy'];
  return [dayFirst > monthFirst ? 'dmy' : 'mdy'];
}

function resolveDateFormat(mapping: ColumnMapping, values: readonly string[], column: string): DateFormat {
  if (mapping.dateFormat) return mapping.dateFormat as DateFormat;
  const formats = detectDateFormats(values);
  if (formats.length === 1 && formats[0]) return formats[0];
  if (formats.length > 1) {
    throw new UnusableInputError(
      'ambiguous_date_format',
      `dates in column ${column} (e.g. ${values[0]}) could be day-first or month-first and no value in the sample settles it; set dateFormat=dmy or dateFormat=mdy (--columns or _mapping.json)`,
    );
  }
  throw new UnusableInputError(
    'unrecognized_date_format',
    `dates in column ${column} (e.g. ${values[0] ?? 'none'}) are in no known format; set dateFormat=iso|ymd|dmy|mdy|epoch-s|epoch-ms (--columns or _mapping.json)`,
  );
}

function customerColumnTypes(
  body: readonly string[][],
  width: number,
  columns: Partial<Record<ColumnRole, number>>,
  decimal: DecimalSeparator,
  mapping: ColumnMapping,
): CustomerColumnType[] {
  const types: CustomerColumnType[] = [];
  let dateFormat: DateFormat | undefined;
  for (let i = 0; i < width; i++) {
    const values = valuesOf(body, i);
    if (i === columns.customer) types.push('string');
    else if (i === columns.target) types.push('double');
    else if (values.length > 0 && values.every((v) => !Number.isNaN(parseNumber(v, decimal))))
      types.push('double');
    else {
      const formats = mapping.dateFormat ? [mapping.dateFormat as DateFormat] : detectDateFormats(values);
      const format = formats[0];
      // Every date column of one table shares the first one's format (one dateFormat per file).
      if (values.length > 0 && format !== undefined && (dateFormat === undefined || dateFormat === format)) {
        dateFormat = format;
        types.push('timestamp');
      } else types.push('string');
    }
  }
  return types;
}
