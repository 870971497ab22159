import type { Readable } from 'node:stream';
import type { ColumnMapping, ColumnRole } from './column-mapping';
import { type DecodedInput, openDecoded, parseRecords } from './record-stream';
import { type HashFile, RowHashSet } from './row-hashes';
import { type FileLayout, type InputKind, sniffLayout, UnusableInputError } from './sniff';
import { normalizeCustomerId, parseDate, parseNumber } from './value-parsers';

/** What ingestion found in one source file. `rowsRead = rowsAccepted + rowsRejected` always. */
export interface IngestReport {
  dataset: string;
  source: string;
  sourceKey?: string;
  sourceEtag?: string;
  /** Hash of the explicit column mapping used (absent without one): a changed mapping means re-ingest. */
  mappingHash?: string;
  kind: InputKind | undefined;
  status: 'ok' | 'failed';
  /** One clear sentence when `status` is `failed`. */
  failureReason?: string;
  /** Stable snake_case code of the failure (`empty_file`, `binary_content`, `truncated_gzip`, …). */
  failureCode?: string;
  /** Data records read (the header and blank lines are not rows). */
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  /** Stable snake_case reason → rows rejected for it. */
  rejectedByReason: Record<string, number>;
  /** Distinct customer ids among accepted rows. */
  customers: number;
  /** First and last accepted timestamp (ISO 8601, UTC); transactions only. */
  dateRange?: { first: string; last: string };
  /** Sum of accepted amounts (net: returns are negative); transactions only. */
  amountTotal: number;
  /** Accepted rows that exactly repeat an earlier row of this file, or a row of another source of the dataset. */
  duplicateRows: { withinFile: number; acrossFiles: number };
  schema: IngestSchema;
  outputs: { normalized?: string; quarantine?: string };
  durationMs: number;
}

/** The detected (or explicitly given) shape of a source. */
export interface IngestSchema {
  delimiter?: string;
  header?: boolean;
  decimal?: '.' | ',';
  dateFormat?: string;
  gzip?: boolean;
  /** Role → the column it was read from (header name, or `column_N` without a header). */
  columns?: Partial<Record<ColumnRole, string>>;
  /** Where `columns` came from: an explicit mapping, header names, or value shapes. */
  mappingSource?: FileLayout['mappingSource'];
  /** Customer tables: every column with its normalized type. */
  columnTypes?: Record<string, string>;
}

/** One accepted transaction, reused from row to row (read it inside the callback, do not keep it). */
export interface TransactionRow {
  customerId: string;
  time: number;
  amount: number;
  orderId: string | null;
  /** `NaN` when absent. */
  quantity: number;
  /** `NaN` when absent. */
  unitPrice: number;
  country: string | null;
  channel: string | null;
  line: number;
}

/** Where the rows of one source go; called synchronously while parsing. */
export interface RowConsumer {
  /** Called once the layout is known, before any row. May throw {@link UnusableInputError}. */
  begin(layout: FileLayout): void;
  transaction(row: TransactionRow): void;
  /** Customer tables: one value per column (`null` or `NaN` = missing), reused from row to row. */
  customerRow(values: (string | number | null)[], line: number): void;
  reject(line: number, reason: string, fields: readonly string[]): void;
}

export interface CoreOptions {
  open: () => Promise<NodeJS.ReadableStream | Readable>;
  gzip?: boolean;
  mapping?: ColumnMapping;
  onProgress?: (rowsRead: number, bytesRead: number) => void;
  /**
   * Keep the duplicate-row index flat in memory: sorted runs of at most `at` hashes (default 1M, 8 MB)
   * spill to `dir` and merge into `dir/distinct.f64` (see RowHashSet). Without it, every hash is kept in memory.
   */
  rowHashSpill?: { dir: string; at?: number };
}

/** The report fields the core computes, and the distinct row hashes for cross-file duplicates. */
export interface CoreResult {
  report: Omit<IngestReport, 'dataset' | 'source' | 'outputs' | 'durationMs'>;
  layout?: FileLayout;
  /** The distinct row hashes, sorted, when kept in memory; empty when they were spilled to `rowHashFile`. */
  rowHashes: Float64Array;
  /** The distinct row hashes, sorted, in a file of `rowHashSpill.dir` (large sources only). */
  rowHashFile?: HashFile;
}

const PROGRESS_EVERY = 65_536;

/**
 * Read, sniff, parse and validate one source, handing every row to `consumer`. Input that cannot be
 * ingested at all ends as a `failed` report (never a throw); I/O errors of the caller's streams do throw.
 */
export async function ingestCore(options: CoreOptions, consumer: RowConsumer): Promise<CoreResult> {
  const counts = new Counts(new RowHashSet(options.rowHashSpill?.dir, options.rowHashSpill?.at));
  const schema: IngestSchema = {};
  let layout: FileLayout | undefined;
  try {
    const input = await openDecoded(await options.open(), options.gzip);
    schema.gzip = input.gzip;
    layout = sniffLayout(headText(input), options.mapping);
    Object.assign(schema, describeLayout(layout));
    consumer.begin(layout);
    const onRecord =
      layout.kind === 'transactions'
        ? transactionReader(layout, consumer, counts)
        : customerReader(layout, consumer, counts);
    let headerPending = layout.header;
    await parseRecords(
      input,
      layout.delimiter,
      (record, line) => {
        if (headerPending) {
          headerPending = false;
          return;
        }
        counts.read++;
        onRecord(record, line);
        if (options.onProgress && counts.read % PROGRESS_EVERY === 0)
          options.onProgress(counts.read, input.rawBytes());
      },
      (reason, line) => {
        counts.read++;
        counts.reject(reason);
        consumer.reject(line, reason, []);
      },
    );
    options.onProgress?.(counts.read, input.rawBytes());
  } catch (e: unknown) {
    if (!(e instanceof UnusableInputError)) throw e;
    return {
      report: {
        ...counts.summary(layout?.kind, schema),
        status: 'failed',
        failureReason: e.message,
        failureCode: e.code,
      },
      layout,
      rowHashes: new Float64Array(0),
    };
  }
  const { duplicates, distinct } = counts.hashes.finish();
  const report = counts.summary(layout.kind, schema);
  report.duplicateRows.withinFile = duplicates;
  return distinct instanceof Float64Array
    ? { report, layout, rowHashes: distinct }
    : { report, layout, rowHashes: new Float64Array(0), rowHashFile: distinct };
}

class Counts {
  read = 0;
  accepted = 0;
  rejected = 0;
  readonly byReason: Record<string, number> = {};
  readonly customers = new Set<string>();
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  amountTotal = 0;

  constructor(readonly hashes: RowHashSet) {}

  reject(reason: string): void {
    this.rejected++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
  }

  summary(kind: InputKind | undefined, schema: IngestSchema): CoreResult['report'] {
    return {
      kind,
      status: 'ok',
      rowsRead: this.read,
      rowsAccepted: this.accepted,
      rowsRejected: this.rejected,
      rejectedByReason: this.byReason,
      customers: this.customers.size,
      dateRange:
        this.first <= this.last
          ? { first: new Date(this.first).toISOString(), last: new Date(this.last).toISOString() }
          : undefined,
      amountTotal: Math.round(this.amountTotal * 100) / 100,
      duplicateRows: { withinFile: 0, acrossFiles: 0 },
      schema,
    };
  }
}

/** The sniffable text of the head: checks it is text, drops a BOM and a trailing partial line. */
function headText(input: DecodedInput): string {
  const { head } = input;
  if (
    head.length === 0 ||
    (/^\s*$/.test(head.toString('utf8', 0, 4096)) && head.toString('utf8').trim() === '')
  ) {
    throw new UnusableInputError('empty_file', 'the file is empty');
  }
  // Judge by the first 64 KB: enough to tell text from a binary format, cheap for every file.
  const probe = head.subarray(0, 65_536);
  if (probe.includes(0))
    throw new UnusableInputError('binary_content', 'not a text file: it contains NUL bytes');
  let suspicious = 0;
  for (let i = 0; i < probe.length; i++) {
    const b = probe[i] as number;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13) suspicious++;
  }
  const probeText = probe.toString('utf8');
  for (let i = 0; i < probeText.length; i++) if (probeText.charCodeAt(i) === 0xfffd) suspicious++;
  if (suspicious > probeText.length * 0.05) {
    throw new UnusableInputError('binary_content', 'not a text file: too many control or non-UTF-8 bytes');
  }
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!input.complete) text = text.slice(0, Math.max(text.lastIndexOf('\n'), 0));
  return text;
}

function describeLayout(layout: FileLayout): IngestSchema {
  const columns: Partial<Record<ColumnRole, string>> = {};
  for (const [role, at] of Object.entries(layout.columns)) {
    columns[role as ColumnRole] = layout.columnNames[at as number] ?? `column_${(at as number) + 1}`;
  }
  return {
    delimiter: layout.delimiter,
    header: layout.header,
    decimal: layout.decimal,
    dateFormat: layout.dateFormat,
    columns,
    mappingSource: layout.mappingSource,
    columnTypes: layout.columnTypes
      ? Object.fromEntries(layout.columnNames.map((n, i) => [n, layout.columnTypes?.[i] ?? 'string']))
      : undefined,
  };
}

type RecordReader = (record: string[], line: number) => void;

/** Records a row is allowed to have: the header's width, plus empty trailing fields (`a,b,c,`). */
function hasWidth(record: readonly string[], width: number): boolean {
  if (record.length === width) return true;
  if (record.length < width) return false;
  for (let i = width; i < record.length; i++) if (record[i] !== '') return false;
  return true;
}

function optionalText(record: readonly string[], at: number): string | null {
  if (at < 0) return null;
  const v = (record[at] as string).trim();
  return v === '' ? null : v;
}

function transactionReader(layout: FileLayout, consumer: RowConsumer, counts: Counts): RecordReader {
  const width = layout.columnNames.length;
  const { decimal } = layout;
  const dateFormat = layout.dateFormat ?? 'iso';
  const c = layout.columns;
  const customerAt = c.customer ?? -1;
  const dateAt = c.date ?? -1;
  const amountAt = c.amount ?? -1;
  const quantityAt = c.quantity ?? -1;
  const priceAt = c.unitPrice ?? -1;
  const orderAt = c.orderId ?? -1;
  const countryAt = c.country ?? -1;
  const channelAt = c.channel ?? -1;
  const row: TransactionRow = {
    customerId: '',
    time: 0,
    amount: 0,
    orderId: null,
    quantity: Number.NaN,
    unitPrice: Number.NaN,
    country: null,
    channel: null,
    line: 0,
  };
  const number = (record: readonly string[], at: number): number => {
    if (at < 0) return Number.NaN;
    const text = (record[at] as string).trim();
    return text === '' ? Number.NaN : parseNumber(text, decimal);
  };
  const reject = (record: readonly string[], line: number, reason: string) => {
    counts.reject(reason);
    consumer.reject(line, reason, record);
  };
  return (record, line) => {
    if (!hasWidth(record, width)) return reject(record, line, 'wrong_column_count');
    const customerId = normalizeCustomerId(record[customerAt] as string);
    if (customerId === '') return reject(record, line, 'missing_customer_id');
    const dateText = (record[dateAt] as string).trim();
    if (dateText === '') return reject(record, line, 'missing_date');
    const time = parseDate(dateText, dateFormat);
    if (Number.isNaN(time)) return reject(record, line, 'unparseable_date');
    const quantity = number(record, quantityAt);
    const unitPrice = number(record, priceAt);
    let amount: number;
    if (amountAt >= 0) {
      const text = (record[amountAt] as string).trim();
      if (text === '') return reject(record, line, 'missing_amount');
      amount = parseNumber(text, decimal);
      if (Number.isNaN(amount)) return reject(record, line, 'unparseable_amount');
    } else {
      if (Number.isNaN(quantity))
        return reject(
          record,
          line,
          (record[quantityAt] as string).trim() === '' ? 'missing_quantity' : 'unparseable_quantity',
        );
      if (Number.isNaN(unitPrice))
        return reject(
          record,
          line,
          (record[priceAt] as string).trim() === '' ? 'missing_unit_price' : 'unparseable_unit_price',
        );
      // Rounded to 1e-6 so 6 × 2.55 is 15.3, not 15.299999999999999.
      amount = Math.round(quantity * unitPrice * 1e6) / 1e6;
    }
    row.customerId = customerId;
    row.time = time;
    row.amount = amount;
    row.orderId = optionalText(record, orderAt);
    row.quantity = quantity;
    row.unitPrice = unitPrice;
    row.country = optionalText(record, countryAt);
    row.channel = optionalText(record, channelAt);
    row.line = line;
    consumer.transaction(row);
    counts.accepted++;
    counts.customers.add(customerId);
    if (time < counts.first) counts.first = time;
    if (time > counts.last) counts.last = time;
    counts.amountTotal += amount;
    counts.hashes.add(record);
  };
}

function customerReader(layout: FileLayout, consumer: RowConsumer, counts: Counts): RecordReader {
  const width = layout.columnNames.length;
  const types = layout.columnTypes ?? [];
  const customerAt = layout.columns.customer ?? -1;
  const targetAt = layout.columns.target ?? -1;
  const dateFormat = layout.dateFormat ?? 'iso';
  const values: (string | number | null)[] = new Array(width).fill(null);
  const reject = (record: readonly string[], line: number, reason: string) => {
    counts.reject(reason);
    consumer.reject(line, reason, record);
  };
  return (record, line) => {
    if (!hasWidth(record, width)) return reject(record, line, 'wrong_column_count');
    const customerId = normalizeCustomerId(record[customerAt] as string);
    if (customerId === '') return reject(record, line, 'missing_customer_id');
    if (targetAt >= 0 && (record[targetAt] as string).trim() === '')
      return reject(record, line, 'missing_target');
    for (let i = 0; i < width; i++) {
      const text = (record[i] as string).trim();
      const type = types[i];
      if (i === customerAt) values[i] = customerId;
      else if (text === '') values[i] = type === 'string' ? null : Number.NaN;
      else if (type === 'double') {
        const v = parseNumber(text, layout.decimal);
        if (Number.isNaN(v))
          return reject(record, line, i === targetAt ? 'unparseable_target' : 'unparseable_number');
        values[i] = v;
      } else if (type === 'timestamp') {
        const v = parseDate(text, dateFormat);
        if (Number.isNaN(v)) return reject(record, line, 'unparseable_date');
        values[i] = v;
      } else values[i] = text;
    }
    if (counts.customers.has(customerId)) return reject(record, line, 'duplicate_customer_id');
    consumer.customerRow(values, line);
    counts.accepted++;
    counts.customers.add(customerId);
    counts.hashes.add(record);
  };
}
