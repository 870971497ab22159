import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DuckDBValue } from '@duckdb/node-api';
import type { ColumnMapping, ColumnRole } from './column-mapping';
import { QUARANTINE_ROW_CHARS } from './ingest-limits';
import type { IngestSession } from './ingest-session';
import { ingestSql, sqlIdentifier, sqlPath } from './ingest-sql';
import { EARLIEST_ORDER_TIME, MAX_ABS_AMOUNT } from './order-limits';
import { joinSpanningRecords, QuoteScanner } from './record-assembly';
import { recordPatterns } from './record-patterns';
import { type FileLayout, type InputKind, sniffLayout, UnusableInputError } from './sniff';
import { type StagedInput, stageInput, TOO_LONG_MARKER } from './staged-input';

/** What ingestion found in one source file. `rowsRead = rowsAccepted + rowsRejected` always. */
export interface IngestReport {
  dataset: string;
  source: string;
  sourceKey?: string;
  sourceEtag?: string;
  /** The S3 version id of the upload read, when the bucket keeps versions. */
  sourceVersionId?: string;
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
  /**
   * Limits that cut this source short (lib/ingest/ingest-limits.ts): the decompressed input past
   * INGEST_MAX_INPUT_BYTES was not read, rejected rows past INGEST_MAX_QUARANTINE_BYTES were counted but not
   * quarantined. Absent when nothing was cut.
   */
  truncated?: { inputAtBytes?: number; quarantinedRows?: number };
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

export interface CoreOptions {
  open: () => Promise<NodeJS.ReadableStream | Readable>;
  /** Whether the input is gzip; unset: sniffed from its magic bytes. */
  gzip?: boolean;
  mapping?: ColumnMapping;
  onProgress?: (rowsRead: number, bytesRead: number) => void;
  /** Called with the layout before any row is read; throw an {@link UnusableInputError} to refuse the file. */
  onLayout?: (layout: FileLayout) => void;
  /** A directory of the caller's for the staged input and the outputs (one per source). */
  dir: string;
  /** The key of the source's row hashes in the store, if it has one (its old list does not count). */
  rowHashesKey?: string;
  /** The time of ingest (epoch ms): orders dated after it are in the future. Default: now. */
  now?: number;
}

/** Local files an ingest wrote into its directory. */
export interface IngestFiles {
  normalized: string;
  /** Only when rows were rejected. */
  quarantine?: string;
  /** The distinct row hashes of the accepted rows (Parquet). */
  rowHashes: string;
}

/** The report fields the core computes, the layout, and the files of an ingest that went through. */
export interface CoreResult {
  report: Omit<IngestReport, 'dataset' | 'source' | 'outputs' | 'durationMs'>;
  layout?: FileLayout;
  files?: IngestFiles;
}

/** Ingest one source: {@link ingestBatch} of one. */
export async function ingestCore(options: CoreOptions, session: IngestSession): Promise<CoreResult> {
  return (await ingestBatch([options], session))[0] as CoreResult;
}

/**
 * Ingest sources with DuckDB: stage each (lib/ingest/staged-input.ts) and sniff its layout from the head
 * (lib/ingest/sniff.ts), then, for all sources of one layout at once, read their lines, split and validate
 * every record in SQL (sql/ingest/*.sql) and write each one's normalized Parquet, quarantine CSV and row
 * hashes into its `dir`. One statement for many files, not one per file: DuckDB's cost per statement
 * would otherwise dwarf the small files shops export (a file a day). Duplicate rows across files are
 * counted against the batch's other files and the `known_row_hashes` of the session. Input that cannot be
 * ingested at all ends as a `failed` report (never a throw); I/O errors of the caller's streams and
 * DuckDB's own errors do throw. `onRows` is called once per layout with the ranks (positions in
 * `sources`) whose rows `ingest_rows` then holds (file_rank), for loaders that read them; those pass
 * `writeFiles` false, as they need no Parquet, quarantine or hash files.
 */
export async function ingestBatch(
  sources: readonly CoreOptions[],
  session: IngestSession,
  onRows?: (ranks: number[]) => Promise<void>,
  writeFiles = true,
): Promise<CoreResult[]> {
  const results: CoreResult[] = [];
  const staged: (StagedSource | undefined)[] = [];
  for (const options of sources) {
    const schema: IngestSchema = {};
    let layout: FileLayout | undefined;
    try {
      const input = await stageInput(await options.open(), path.join(options.dir, 'input.txt'), {
        gzip: options.gzip,
        limits: session.limits,
        onProgress: options.onProgress && ((bytes) => options.onProgress?.(0, bytes)),
        checkHead: (head, complete) => {
          layout = sniffLayout(
            headText(head, complete, session.limits.maxColumns),
            options.mapping,
            session.limits.maxColumns,
          );
          Object.assign(schema, describeLayout(layout));
          options.onLayout?.(layout);
        },
      });
      schema.gzip = input.gzip;
      staged.push({ options, input, layout: layout as FileLayout, schema });
      results.push({ report: failedReport(undefined, schema, new UnusableInputError('pending', '')) });
    } catch (e: unknown) {
      if (!(e instanceof UnusableInputError)) throw e;
      staged.push(undefined);
      results.push({ report: failedReport(layout?.kind, schema, e), layout });
    }
  }
  const connection = session.connection;
  await connection.run(
    `CREATE OR REPLACE TABLE batch_files (file_rank BIGINT, path VARCHAR, header_line BIGINT,
       source_key VARCHAR, first_n BIGINT)`,
  );
  await connection.run('CREATE OR REPLACE TEMP TABLE batch_row_hashes (file_rank BIGINT, row_hash UBIGINT)');
  const appender = await connection.createAppender('batch_files');
  for (const [rank, source] of staged.entries()) {
    if (!source) continue;
    const whitespace = source.layout.delimiter === 'whitespace';
    appender.appendBigInt(BigInt(rank));
    appender.appendVarchar(source.input.path);
    appender.appendBigInt(BigInt(headerLineOf(source.input.head, source.layout, whitespace)));
    const key = source.options.rowHashesKey;
    if (key === undefined) appender.appendNull();
    else appender.appendVarchar(key);
    appender.appendNull();
    appender.endRow();
  }
  appender.closeSync();
  for (const group of groupsOf(staged)) {
    const run = new IngestRun(session, group, staged);
    const summaries = await run.rows();
    await onRows?.(group);
    const files = writeFiles
      ? await run.writeOutputs(
          group.map((rank) => (staged[rank] as StagedSource).options.dir),
          summaries,
        )
      : new Map<number, { files: IngestFiles | undefined; quarantined: number }>();
    for (const rank of group) {
      const source = staged[rank] as StagedSource;
      const summary = summaries.get(rank) ?? EMPTY_SUMMARY;
      const written = files.get(rank) ?? { files: undefined, quarantined: Number.POSITIVE_INFINITY };
      const rowsRejected = summary.rowsRead - summary.rowsAccepted;
      const truncated: NonNullable<IngestReport['truncated']> = {};
      if (source.input.truncatedAtBytes !== undefined) truncated.inputAtBytes = source.input.truncatedAtBytes;
      if (written.quarantined < rowsRejected) truncated.quarantinedRows = written.quarantined;
      source.options.onProgress?.(summary.rowsRead, source.input.rawBytes);
      results[rank] = {
        report: {
          kind: source.layout.kind,
          status: 'ok',
          rowsRead: summary.rowsRead,
          rowsAccepted: summary.rowsAccepted,
          rowsRejected,
          rejectedByReason: summary.rejectedByReason,
          customers: summary.customers,
          dateRange:
            summary.firstMs === null || summary.lastMs === null
              ? undefined
              : {
                  first: new Date(summary.firstMs).toISOString(),
                  last: new Date(summary.lastMs).toISOString(),
                },
          amountTotal: Math.round(summary.amountTotal * 100) / 100,
          duplicateRows: { withinFile: summary.repeatedRows, acrossFiles: 0 },
          schema: source.schema,
          ...(Object.keys(truncated).length > 0 && { truncated }),
        },
        layout: source.layout,
        ...(written.files && { files: written.files }),
      };
    }
  }
  return results;
}

/**
 * Distinct accepted rows of each ingested source of the last {@link ingestBatch} that another source holds
 * too (another source of the batch, or, `withKnown`, one whose row hashes the session knows), by rank.
 */
export async function rowsHeldElsewhere(
  session: IngestSession,
  withKnown = true,
): Promise<Map<number, number>> {
  const shared = (
    await session.read(ingestSql('rows-held-elsewhere'), { with_known: withKnown })
  ).getRowsJS();
  return new Map(shared.map(([rank, n]) => [Number(rank), Number(n)]));
}

interface StagedSource {
  options: CoreOptions;
  input: StagedInput;
  layout: FileLayout;
  schema: IngestSchema;
}

/** Ranks of the staged sources, grouped by everything the rows query takes from a layout. */
function groupsOf(staged: readonly (StagedSource | undefined)[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const [rank, source] of staged.entries()) {
    if (!source) continue;
    const { layout, input } = source;
    const key = JSON.stringify([
      layout.kind,
      layout.delimiter,
      layout.columnNames,
      layout.columns,
      layout.decimal,
      layout.dateFormat,
      layout.columnTypes,
      input.separator,
    ]);
    const group = groups.get(key) ?? [];
    group.push(rank);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The report fields of a source that could not be ingested at all: `e` says why, nothing was read. */
export function failedReport(
  kind: InputKind | undefined,
  schema: IngestSchema,
  e: UnusableInputError,
): CoreResult['report'] {
  return {
    kind,
    status: 'failed',
    failureReason: e.message,
    failureCode: e.code,
    rowsRead: 0,
    rowsAccepted: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    customers: 0,
    amountTotal: 0,
    duplicateRows: { withinFile: 0, acrossFiles: 0 },
    schema,
  };
}

interface Summary {
  rowsRead: number;
  rowsAccepted: number;
  rejectedByReason: Record<string, number>;
  customers: number;
  firstMs: number | null;
  lastMs: number | null;
  amountTotal: number;
  repeatedRows: number;
  openRecords: number;
}

const EMPTY_SUMMARY: Summary = {
  rowsRead: 0,
  rowsAccepted: 0,
  rejectedByReason: {},
  customers: 0,
  firstMs: null,
  lastMs: null,
  amountTotal: 0,
  repeatedRows: 0,
  openRecords: 0,
};

/** Drop `ingest_rows`, a table or a view (each DROP fails on the other kind). */
async function dropRowsOfLastRun(connection: IngestSession['connection']): Promise<void> {
  const kinds = await connection.runAndReadAll(
    "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = 'ingest_rows' UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = 'ingest_rows'",
  );
  for (const [kind] of kinds.getRowsJS())
    await connection.run(`DROP ${kind === 'VIEW' ? 'VIEW' : 'TABLE'} ingest_rows`);
}

/** Staged inputs up to this size have their rows in a DuckDB table; bigger ones in a Parquet file. */
const IN_MEMORY_BYTES = 128 * 2 ** 20;

/** The SQL of the sources of one layout: the rows table (`ingest_rows`), its summary and the outputs. */
class IngestRun {
  private readonly patterns;
  private readonly whitespace: boolean;
  private readonly delimiter: string;
  private readonly layout: FileLayout;
  private readonly separator: string;

  constructor(
    private readonly session: IngestSession,
    private readonly ranks: readonly number[],
    private readonly staged: readonly (StagedSource | undefined)[],
  ) {
    const first = staged[ranks[0] as number] as StagedSource;
    this.layout = first.layout;
    this.separator = first.input.separator;
    this.whitespace = this.layout.delimiter === 'whitespace';
    this.delimiter = this.whitespace ? ' ' : this.layout.delimiter;
    this.patterns = recordPatterns(this.delimiter);
  }

  /** Build `ingest_rows` from the staged files, joining records whose quoted fields span lines. */
  async rows(): Promise<Map<number, Summary>> {
    const connection = this.session.connection;
    const paths = this.ranks.map((rank) => (this.staged[rank] as StagedSource).input.path);
    await connection.run(
      `UPDATE batch_files SET first_n = counted.first_n
       FROM (SELECT filename, min(n) AS first_n FROM raw_lines(${this.rawLinesArguments(paths)}) GROUP BY filename) AS counted
       WHERE counted.filename = batch_files.path`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW record_lines AS
         SELECT b.file_rank, r.n - b.first_n + 1 AS line, r.text, NULL::VARCHAR AS forced_state, b.header_line
         FROM raw_lines(${this.rawLinesArguments(paths)}) AS r JOIN batch_files AS b ON r.filename = b.path`,
    );
    const bytes = this.ranks.reduce((sum, rank) => sum + (this.staged[rank] as StagedSource).input.bytes, 0);
    await dropRowsOfLastRun(connection);
    if (bytes <= IN_MEMORY_BYTES)
      await this.session.run(`CREATE TEMP TABLE ingest_rows AS ${this.rowsQuery()}`, this.parameters());
    else {
      // A big input's rows go to a Parquet file in the session's directory, read back by the queries after:
      // written as they are made, so memory holds a few row groups, not the file.
      const file = path.join(this.session.tempDir, `rows-${this.ranks[0]}.parquet`);
      await this.session.run(
        `COPY (${this.rowsQuery()}) TO ${sqlPath(file)} (FORMAT parquet)`,
        this.parameters(),
      );
      await connection.run(`CREATE VIEW ingest_rows AS SELECT * FROM read_parquet(${sqlPath(file)})`);
    }
    let summaries = await this.summaries();
    const spanning = this.ranks.filter(
      (rank) => (summaries.get(rank)?.openRecords ?? 0) > 0 || this.headerOpens(rank),
    );
    if (spanning.length > 0) {
      // Some quoted field holds a line break: follow those records across lines, then read the file again.
      if (bytes > IN_MEMORY_BYTES) {
        await connection.run('CREATE TEMP TABLE ingest_rows_table AS SELECT * FROM ingest_rows');
        await connection.run('DROP VIEW ingest_rows');
        await connection.run('ALTER TABLE ingest_rows_table RENAME TO ingest_rows');
      }
      for (const rank of spanning) await this.joinSpanningRecords(rank);
      summaries = await this.summaries();
    }
    await connection.run(
      'INSERT INTO batch_row_hashes SELECT DISTINCT file_rank, row_hash FROM ingest_rows WHERE reason IS NULL',
    );
    return summaries;
  }

  /**
   * Write each file's normalized Parquet, quarantine CSV and row hashes into its directory (`dirs`, in the
   * order of the ranks); returns the files and how many rejected rows each quarantine holds.
   */
  async writeOutputs(
    dirs: readonly string[],
    summaries: ReadonlyMap<number, Summary>,
  ): Promise<Map<number, { files: IngestFiles; quarantined: number }>> {
    const connection = this.session.connection;
    const out = new Map<number, { files: IngestFiles; quarantined: number }>();
    this.ranks.forEach((rank, i) => {
      const dir = dirs[i] as string;
      out.set(rank, {
        files: {
          normalized: path.join(dir, 'normalized.parquet'),
          rowHashes: path.join(dir, 'rowhashes.parquet'),
        },
        quarantined: 0,
      });
    });
    const normalized =
      this.layout.kind === 'transactions'
        ? ingestSql('normalized-transactions')
        : customerTableSelect(this.layout);
    const hashes = ingestSql('distinct-row-hashes');
    await this.copyByFile(normalized, 'parquet', (rank) => out.get(rank)?.files.normalized as string);
    await this.copyByFile(hashes, 'parquet', (rank) => out.get(rank)?.files.rowHashes as string);
    const rejected = this.ranks.filter((rank) => {
      const s = summaries.get(rank);
      return s !== undefined && s.rowsRead > s.rowsAccepted;
    });
    if (rejected.length > 0) {
      await this.session.run(
        `CREATE OR REPLACE TEMP TABLE quarantine_lines AS ${ingestSql('quarantine-lines')}`,
        {
          column_names: this.session.listOf(this.layout.columnNames),
          row_chars: BigInt(QUARANTINE_ROW_CHARS),
          max_bytes: BigInt(this.session.limits.maxQuarantineBytes),
        },
      );
      for (const rank of rejected) {
        const files = out.get(rank)?.files as IngestFiles;
        files.quarantine = path.join(path.dirname(files.normalized), 'quarantine.csv');
      }
      await this.copyByFile(
        'SELECT file_rank, text FROM quarantine_lines ORDER BY file_rank, line',
        'csv',
        (rank) => out.get(rank)?.files.quarantine as string,
        rejected,
      );
      const counts = (
        await connection.runAndReadAll(
          'SELECT file_rank, count(*) - 1 FROM quarantine_lines GROUP BY file_rank',
        )
      ).getRowsJS();
      for (const [rank, n] of counts) {
        const entry = out.get(Number(rank));
        if (entry) entry.quarantined = Number(n);
      }
    }
    return out;
  }

  /**
   * COPY a query with a leading file_rank column to one file per rank (without that column): one
   * partitioned write for several files, a plain one for a single file or where a partition came out as
   * more than one file.
   */
  private async copyByFile(
    query: string,
    format: 'parquet' | 'csv',
    target: (rank: number) => string,
    ranks: readonly number[] = this.ranks,
  ): Promise<void> {
    const connection = this.session.connection;
    const options = format === 'parquet' ? 'FORMAT parquet' : "FORMAT csv, HEADER false, QUOTE '', ESCAPE ''";
    const copyOne = (rank: number) =>
      this.session.run(
        `COPY (SELECT * EXCLUDE (file_rank) FROM (${query}) WHERE file_rank = $rank) TO ${sqlPath(target(rank))} (${options})`,
        { rank: BigInt(rank) },
      );
    if (ranks.length === 1) {
      await copyOne(ranks[0] as number);
      return;
    }
    const dir = await mkdtemp(path.join(this.session.tempDir, `partitions-${format}-`));
    await connection.run(
      `COPY (${query}) TO ${sqlPath(dir)} (${options}, PARTITION_BY (file_rank), OVERWRITE_OR_IGNORE)`,
    );
    for (const rank of ranks) {
      const part = path.join(dir, `file_rank=${rank}`);
      const names = await readdir(part).catch(() => [] as string[]);
      if (names.length === 1) await rename(path.join(part, names[0] as string), target(rank));
      else await copyOne(rank);
    }
    await rm(dir, { recursive: true, force: true });
  }

  private rowsQuery(): string {
    return ingestSql(this.layout.kind === 'transactions' ? 'transaction-rows' : 'customer-table-rows');
  }

  private parameters(): Record<string, DuckDBValue> {
    const c = this.layout.columns;
    const at = (role: ColumnRole) => BigInt((c[role] ?? -1) + 1);
    const common: Record<string, DuckDBValue> = {
      whitespace: this.whitespace,
      delimiter: this.delimiter,
      complete_re: this.patterns.complete,
      open_re: this.patterns.open,
      field_re: this.patterns.field,
      too_long: TOO_LONG_MARKER,
      ...(this.layout.kind === 'transactions' && { edge_space_re: this.patterns.edgeSpace }),
      width: BigInt(this.layout.columnNames.length),
      customer: at('customer'),
      decimal_comma: this.layout.decimal === ',',
      date_format: this.layout.dateFormat ?? 'iso',
      max_value_chars: BigInt(this.session.limits.maxValueChars),
    };
    if (this.layout.kind === 'transactions')
      return {
        ...common,
        date: at('date'),
        amount: at('amount'),
        quantity: at('quantity'),
        unit_price: at('unitPrice'),
        order_id: at('orderId'),
        country: at('country'),
        channel: at('channel'),
        now_ms: BigInt((this.staged[this.ranks[0] as number] as StagedSource).options.now ?? Date.now()),
        earliest_ms: BigInt(EARLIEST_ORDER_TIME),
        max_abs_amount: MAX_ABS_AMOUNT,
      };
    return { ...common, target: at('target'), types: this.session.listOf(this.layout.columnTypes ?? []) };
  }

  /** Read one file again with its records that span lines joined (record-assembly.ts). */
  private async joinSpanningRecords(rank: number): Promise<void> {
    const connection = this.session.connection;
    const file = (this.staged[rank] as StagedSource).input.path;
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE lines AS SELECT n AS line, text FROM raw_lines(${this.rawLinesArguments([file])})`,
    );
    const openers = (
      await connection.runAndReadAll(
        "SELECT line FROM lines WHERE record_state(text, false, $complete_re, $open_re, $too_long) = 'open' ORDER BY line",
        { complete_re: this.patterns.complete, open_re: this.patterns.open, too_long: TOO_LONG_MARKER },
      )
    )
      .getRowsJS()
      .map(([line]) => Number(line));
    await joinSpanningRecords(connection, openers, this.delimiter, this.session.limits.maxRecordBytes);
    // A view takes no parameters: the rank and the header flag are this code's own numbers, not input.
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW record_lines AS
         SELECT ${Number(rank)}::BIGINT AS file_rank, line, text, forced_state,
           ${this.layout.header ? `(SELECT min(end_line) FROM ${this.firstRecordQuery()})` : '0'} AS header_line
         FROM (
           SELECT line, text, NULL::VARCHAR AS forced_state FROM lines
           WHERE NOT EXISTS (SELECT 1 FROM joined WHERE lines.line BETWEEN joined.start_line AND joined.end_line)
           UNION ALL SELECT end_line, text, state FROM joined
         )`,
    );
    await this.session.run('DELETE FROM ingest_rows WHERE file_rank = $rank', { rank: BigInt(rank) });
    await this.session.run(`INSERT INTO ingest_rows ${this.rowsQuery()}`, this.parameters());
  }

  /** The lines a file's first record may end on: joined records' ends and the non-blank single lines. */
  private firstRecordQuery(): string {
    const blank = this.whitespace ? "trim(text, ' ' || chr(9)) = ''" : "text = ''";
    return `(SELECT end_line FROM joined UNION ALL SELECT line AS end_line FROM lines
      WHERE text IS NOT NULL AND NOT (${blank})
        AND NOT EXISTS (SELECT 1 FROM joined WHERE lines.line BETWEEN joined.start_line AND joined.end_line))`;
  }

  private async summaries(): Promise<Map<number, Summary>> {
    const rows = (await this.session.read(ingestSql('ingest-summary'))).getRowObjectsJS();
    return new Map(
      rows.map((row) => [
        Number(row.file_rank),
        {
          rowsRead: Number(row.rows_read ?? 0),
          rowsAccepted: Number(row.rows_accepted ?? 0),
          rejectedByReason: reasonCounts(row.rejected_by_reason),
          customers: Number(row.customers ?? 0),
          firstMs: row.first_ms == null ? null : Number(row.first_ms),
          lastMs: row.last_ms == null ? null : Number(row.last_ms),
          amountTotal: Number(row.amount_total ?? 0),
          repeatedRows: Number(row.repeated_rows ?? 0),
          openRecords: Number(row.open_records ?? 0),
        },
      ]),
    );
  }

  private rawLinesArguments(paths: readonly string[]): string {
    const separator = this.separator.charCodeAt(0);
    return `[${paths.map(sqlPath).join(', ')}], chr(${separator}), ${this.session.limits.maxRecordBytes + 1024}`;
  }

  /** Whether a file's header line itself opens a quoted field (then the header spans lines). */
  private headerOpens(rank: number): boolean {
    if (!this.layout.header || this.whitespace) return false;
    const head = (this.staged[rank] as StagedSource).input.head;
    const text = head.toString('utf8', 0, Math.min(head.length, 65_536)).replace(/^\ufeff/, '');
    const line = text.split(/\r\n|\n|\r/).find((l) => l !== '') ?? '';
    return line.includes('"') && new QuoteScanner(this.delimiter.charCodeAt(0)).line(line) === 'open';
  }
}

/** The histogram DuckDB returns (a MAP: entries of key and value) as a plain object. */
function reasonCounts(histogram: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  if (histogram === null || histogram === undefined) return counts;
  const entries = Array.isArray(histogram)
    ? (histogram as { key: unknown; value: unknown }[])
    : Object.entries(histogram as object).map(([key, value]) => ({ key, value }));
  for (const { key, value } of entries) counts[String(key)] = Number(value);
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The physical line the header is on (the first non-blank one), 0 without a header. */
function headerLineOf(head: Buffer, layout: FileLayout, whitespace: boolean): number {
  if (!layout.header) return 0;
  const text = head.toString('utf8', 0, Math.min(head.length, 65_536)).replace(/^\ufeff/, '');
  const lines = text.split(/\r\n|\n|\r/);
  const at = lines.findIndex((l) => (whitespace ? l.replace(/[ \t]/g, '') : l) !== '');
  return at < 0 ? 0 : at + 1;
}

/** The select of a customer table's normalized Parquet: its columns by name, typed as sniffed. */
function customerTableSelect(layout: FileLayout): string {
  const used = new Set<string>();
  const columns = layout.columnNames.map((header, i) => {
    let name = i === layout.columns.customer ? 'customer_id' : header.trim() || `column_${i + 1}`;
    while (used.has(name)) name = `${name}_${i + 1}`;
    used.add(name);
    const type = layout.columnTypes?.[i] ?? 'string';
    const value =
      i === layout.columns.customer
        ? 'customer_id'
        : type === 'double'
          ? `numbers[${i + 1}]`
          : type === 'timestamp'
            ? `epoch_ms(instants[${i + 1}])::TIMESTAMPTZ`
            : `nullif(texts[${i + 1}], '')`;
    return `${value} AS ${sqlIdentifier(name)}`;
  });
  return `SELECT file_rank, ${columns.join(', ')} FROM ingest_rows WHERE reason IS NULL ORDER BY file_rank, line`;
}

/** The sniffable text of the head: checks it is text, drops a BOM and a trailing partial line. */
function headText(head: Buffer, complete: boolean, maxColumns: number): string {
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
  if (!complete) {
    const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    if (end < 0) {
      // Not one line end in the whole head: a header of absurd width, or no table at all.
      const widest = Math.max(...[',', ';', '\t', '|'].map((d) => text.split(d).length));
      if (widest > maxColumns)
        throw new UnusableInputError(
          'too_many_columns',
          `the first line has over ${widest - 1} columns, over the limit of ${maxColumns} (INGEST_MAX_COLUMNS)`,
        );
      throw new UnusableInputError(
        'record_too_long',
        `the first line is over ${head.length} bytes long: not a table`,
      );
    }
    text = text.slice(0, end);
  }
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
