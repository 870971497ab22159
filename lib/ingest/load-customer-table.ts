import { withDuckDb } from '../engine/duckdb';
import { sqlQuery } from '../engine/sql-file';
import type { BlobStore } from '../store/blob-store';
import { withLocalFiles } from '../store/local-files';
import type { IngestReport } from './ingest-core';
import { withIngestSession } from './ingest-session';
import {
  ingestLocalFiles,
  type LoadOptions,
  loadTransactionsFromFiles,
  NOT_TRANSACTIONS,
} from './load-files';
import { type CustomerColumnType, type FileLayout, type InputKind, UnusableInputError } from './sniff';
import type { TransactionTable } from './transaction-table';

/** One input column of a customer table (neither the id nor the label). */
export type CustomerTableColumn =
  /** Numbers; `NaN` = missing. */
  | { name: string; type: 'double'; values: Float64Array }
  /** Instants as epoch ms; `NaN` = missing. */
  | { name: string; type: 'timestamp'; values: Float64Array }
  /** Text; `null` = missing. */
  | { name: string; type: 'string'; values: (string | null)[] };

/** A customer table, one row per customer, column-wise, as scoring reads it: no label. */
export interface CustomerRows {
  /** Header of the customer id column. */
  idColumn: string;
  customerIds: string[];
  columns: CustomerTableColumn[];
}

/** A labelled customer table, as training reads it. */
export interface CustomerTable extends CustomerRows {
  /** Header of the label column (e.g. `Future_Value`). */
  labelColumn: string;
  /** The label of every row as written (it may be negative; training clips it). */
  label: Float64Array;
}

/** The files (or a dataset's sources) hold both transactions and customer tables: nothing to train on as one. */
export class MixedInputKindsError extends Error {
  constructor(transactions: readonly string[], customerTables: readonly string[]) {
    super(
      `the data mixes transaction logs (${transactions.join(', ')}) with customer tables (${customerTables.join(', ')}): a model learns from one kind; put them in separate datasets`,
    );
    this.name = 'MixedInputKindsError';
  }
}

/** Customer-table sources that cannot form one table (different columns, a customer in two files). */
export class InconsistentCustomerTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentCustomerTableError';
  }
}

/**
 * Accumulates the rows of one or more customer-table sources with the same columns, with their labels
 * (training) or without (scoring: `label` is `undefined` in {@link begin} and {@link add}).
 */
class CustomerTableBuilder {
  private shape:
    | { id: string; label: string | undefined; columns: { name: string; type: CustomerColumnType }[] }
    | undefined;
  private shapeSource = '';
  private readonly ids: string[] = [];
  private readonly sourceOf = new Map<string, string>();
  private readonly labels: number[] = [];
  private values: (number | string | null)[][] = [];

  get length(): number {
    return this.ids.length;
  }

  /**
   * Declare a source's columns; every source must have the first one's.
   * @throws {@link InconsistentCustomerTableError}
   */
  begin(
    source: string,
    id: string,
    label: string | undefined,
    columns: { name: string; type: CustomerColumnType }[],
  ): void {
    const describe = (s: NonNullable<typeof this.shape>) =>
      [
        s.id,
        ...s.columns.map((c) => `${c.name}:${c.type}`),
        ...(s.label === undefined ? [] : [s.label]),
      ].join(', ');
    const shape = { id, label, columns };
    if (!this.shape) {
      this.shape = shape;
      this.shapeSource = source;
      this.values = columns.map(() => []);
      return;
    }
    if (describe(this.shape) !== describe(shape))
      throw new InconsistentCustomerTableError(
        `customer tables ${this.shapeSource} and ${source} have different columns (${describe(this.shape)} vs ${describe(shape)})`,
      );
  }

  /** @throws {@link InconsistentCustomerTableError} when another source already has this customer */
  add(
    source: string,
    customerId: string,
    label: number | undefined,
    values: readonly (number | string | null)[],
  ): void {
    const earlier = this.sourceOf.get(customerId);
    if (earlier !== undefined)
      throw new InconsistentCustomerTableError(
        `customer ${customerId} is in both ${earlier} and ${source}: a customer table has one row per customer`,
      );
    this.sourceOf.set(customerId, source);
    this.ids.push(customerId);
    if (label !== undefined) this.labels.push(label);
    values.forEach((v, c) => {
      this.values[c]?.push(v);
    });
  }

  /** The rows read, or `undefined` when no source began. */
  buildRows(): CustomerRows | undefined {
    if (!this.shape) return undefined;
    const columns = this.shape.columns.map((c, i): CustomerTableColumn => {
      const raw = this.values[i] ?? [];
      if (c.type === 'string') return { name: c.name, type: 'string', values: raw as (string | null)[] };
      return {
        name: c.name,
        type: c.type,
        values: Float64Array.from(raw, (v) => (v === null ? Number.NaN : Number(v))),
      };
    });
    return { idColumn: this.shape.id, customerIds: this.ids, columns };
  }

  /** The rows with their labels; call it only when every source began with a label column. */
  build(): CustomerTable | undefined {
    const rows = this.buildRows();
    if (!rows) return undefined;
    return { ...rows, labelColumn: this.shape?.label as string, label: Float64Array.from(this.labels) };
  }
}

/** Positions of the id, the label (absent when scoring) and the input columns of a customer-table layout. */
function layoutColumns(layout: FileLayout) {
  const idAt = layout.columns.customer as number;
  const labelAt = layout.columns.target;
  const inputs = layout.columnNames
    .map((name, at) => ({ name, at, type: layout.columnTypes?.[at] ?? ('string' as const) }))
    .filter((c) => c.at !== idAt && c.at !== labelAt);
  return { idAt, labelAt, inputs };
}

/** Failure code of a file read to score with a customer-table model that lacks a column the model reads. */
export const MISSING_MODEL_COLUMNS = 'missing_model_columns';

/**
 * Read labelled customer-table files (or directories of them) into one {@link CustomerTable}, with the
 * same parse/sniff/validate code as ingestion, writing nothing. A transaction file is reported as `failed`
 * (`not_a_customer_table`); other files that fail before any row are reported and skipped, so check
 * `reports`.
 * @throws {SourceFailedError} when a file fails after rows of it were read
 * @throws {@link InconsistentCustomerTableError} when the files have different columns or share a customer
 */
export async function loadCustomerTableFromFiles(
  paths: string[],
  options: LoadOptions = {},
): Promise<{ table: CustomerTable | undefined; reports: IngestReport[] }> {
  const builder = new CustomerTableBuilder();
  const reports = await readCustomerTableFiles(paths, options, builder);
  return { table: builder.build(), reports };
}

/**
 * Read customer-table files to score with a model that reads `modelColumns`, the way
 * {@link loadCustomerTableFromFiles} reads them to train, but told the kind instead of sniffing it: a
 * table needs no label column (the label is the future the model predicts), and one that is there is read
 * as an ordinary column, which the model does not read. A file that lacks one of `modelColumns` is
 * reported as `failed` ({@link MISSING_MODEL_COLUMNS}, saying when it looks like a transaction log) and
 * skipped, so check `reports`.
 * @throws {SourceFailedError} when a file fails after rows of it were read
 * @throws {@link InconsistentCustomerTableError} when the files have different columns or share a customer
 */
export async function loadCustomerTableToScore(
  paths: string[],
  modelColumns: readonly string[],
  options: LoadOptions = {},
): Promise<{ table: CustomerRows | undefined; reports: IngestReport[] }> {
  const builder = new CustomerTableBuilder();
  const reports = await readCustomerTableFiles(
    paths,
    { ...options, columns: { ...options.columns, unlabelledCustomerTable: true } },
    builder,
    modelColumns,
  );
  return { table: builder.buildRows(), reports };
}

/** The one reading loop of both customer-table loaders: labelled unless `modelColumns` (scoring) is given. */
function readCustomerTableFiles(
  paths: string[],
  options: LoadOptions,
  builder: CustomerTableBuilder,
  modelColumns?: readonly string[],
): Promise<IngestReport[]> {
  return withIngestSession(async (session) => {
    const columnsOf = new Map<string, ReturnType<typeof layoutColumns>>();
    return ingestLocalFiles(
      paths,
      options,
      session,
      (file, layout) => {
        if (modelColumns) assertModelColumns(layout, modelColumns);
        if (layout.kind !== 'customer-table')
          throw new UnusableInputError(
            'not_a_customer_table',
            'this file is a transaction log, not a customer table (one row per customer with a label column)',
          );
        const columns = layoutColumns(layout);
        columnsOf.set(file, columns);
        builder.begin(
          file,
          layout.columnNames[columns.idAt] as string,
          columns.labelAt === undefined ? undefined : layout.columnNames[columns.labelAt],
          columns.inputs,
        );
      },
      async (_ranks, files) => {
        const rows = (
          await session.connection.runAndReadAll(
            'SELECT file_rank, customer_id, texts, numbers, instants FROM ingest_rows WHERE reason IS NULL ORDER BY file_rank, line',
          )
        ).getRowsJS() as [bigint, string, (string | null)[], (number | null)[], (bigint | null)[]][];
        const row: (number | string | null)[] = [];
        for (const [rank, id, texts, numbers, instants] of rows) {
          const file = files[Number(rank)] as string;
          const c = columnsOf.get(file) as ReturnType<typeof layoutColumns>;
          const value = (at: number, type: CustomerColumnType): number | string | null => {
            if (type === 'double') return numbers[at] ?? Number.NaN;
            if (type === 'timestamp') return instants[at] == null ? Number.NaN : Number(instants[at]);
            const text = texts[at];
            return text === undefined || text === null || text === '' ? null : text;
          };
          row.length = 0;
          for (const input of c.inputs) row.push(value(input.at, input.type));
          const label = c.labelAt === undefined ? undefined : (numbers[c.labelAt] ?? Number.NaN);
          builder.add(file, id, label, row);
        }
      },
    );
  });
}

/** @throws UnusableInputError ({@link MISSING_MODEL_COLUMNS}) when the file lacks a column the model reads */
function assertModelColumns(layout: FileLayout, modelColumns: readonly string[]): void {
  const have = new Set(layout.columnNames);
  const missing = modelColumns.filter((name) => !have.has(name));
  if (missing.length === 0) return;
  const { date, amount, quantity, unitPrice } = layout.columns;
  const name = (at: number | undefined) => layout.columnNames[at as number];
  const transactionColumns =
    date === undefined
      ? undefined
      : amount !== undefined
        ? `${name(date)}, ${name(amount)}`
        : quantity !== undefined && unitPrice !== undefined
          ? `${name(date)}, ${name(quantity)}, ${name(unitPrice)}`
          : undefined;
  throw new UnusableInputError(
    MISSING_MODEL_COLUMNS,
    `this file lacks column(s) the model reads: ${missing.join(', ')}${transactionColumns ? `; it looks like a transaction log (${transactionColumns}), not a customer table (one row per customer)` : ''}`,
  );
}

/**
 * The input kind of a set of sources from their ingest reports: customer tables (also those a
 * transaction loader refused as `not_transactions`) or transaction logs; other failed sources do not count.
 * @throws {@link MixedInputKindsError} when both kinds are present
 */
export function inputKindOfReports(reports: readonly IngestReport[]): InputKind | undefined {
  const name = (r: IngestReport) => r.sourceKey ?? r.source;
  const tables = reports
    .filter((r) => r.kind === 'customer-table' && (r.status === 'ok' || r.failureCode === NOT_TRANSACTIONS))
    .map(name);
  const logs = reports.filter((r) => r.status === 'ok' && r.kind === 'transactions').map(name);
  if (tables.length > 0 && logs.length > 0) throw new MixedInputKindsError(logs, tables);
  return tables.length > 0 ? 'customer-table' : logs.length > 0 ? 'transactions' : undefined;
}

/** What `--data` files hold to train on: transactions, or one labelled customer table. */
export type InputFiles =
  | { kind: 'transactions'; table: TransactionTable; reports: IngestReport[] }
  | { kind: 'customer-table'; table: CustomerTable; reports: IngestReport[] };

/**
 * Read input files of either kind: transaction logs into a TransactionTable, or labelled customer tables
 * into a {@link CustomerTable} (the kind is sniffed per file, as ingestion does). A customer-table file
 * costs the transaction pass only its sniffed head.
 * @throws {@link MixedInputKindsError} when the files hold both kinds
 */
export async function loadInputFiles(paths: string[], options: LoadOptions = {}): Promise<InputFiles> {
  const transactions = await loadTransactionsFromFiles(paths, options);
  if (inputKindOfReports(transactions.reports) !== 'customer-table')
    return { kind: 'transactions', ...transactions };
  const { table, reports } = await loadCustomerTableFromFiles(paths, options);
  if (!table)
    throw new InconsistentCustomerTableError(`no customer table could be read from ${paths.join(', ')}`);
  return { kind: 'customer-table', table, reports };
}

/**
 * Read the customer-table sources of a dataset from `normalized/<dataset>/*.parquet` with DuckDB
 * (sql/load/customer-table-rows.sql). `reports` are the dataset's ingest reports: they say which sources are
 * customer tables, which column is the label, and each column's type (the Parquet names the id column
 * `customer_id`).
 * @throws {@link InconsistentCustomerTableError}
 */
export async function loadNormalizedCustomerTable(
  store: BlobStore,
  reports: readonly IngestReport[],
): Promise<CustomerTable | undefined> {
  const sources = reports.filter(
    (report) => report.status === 'ok' && report.kind === 'customer-table' && report.outputs.normalized,
  );
  const keys: string[] = [];
  for (const report of sources) {
    const key = report.outputs.normalized as string;
    if (await store.head(key)) keys.push(key);
  }
  const builder = new CustomerTableBuilder();
  await withLocalFiles(store, keys, (files) =>
    withDuckDb(async (connection) => {
      for (const [i, key] of keys.entries()) {
        const report = sources.find((r) => r.outputs.normalized === key) as IngestReport;
        const result = await connection.runAndReadAll(sqlQuery('load/customer-table-rows'), [
          files[i] as string,
        ]);
        const names = result.columnNames();
        const label = report.schema.columns?.target;
        const labelAt = label === undefined ? -1 : names.indexOf(label);
        const idAt = names.indexOf('customer_id');
        if (labelAt < 0 || idAt < 0)
          throw new InconsistentCustomerTableError(
            `${key} has no ${labelAt < 0 ? `label column ${label ?? '(none in its ingest report)'}` : 'customer_id column'}`,
          );
        const types = report.schema.columnTypes ?? {};
        const inputs = names
          .map((name, at) => ({ name, at, type: (types[name] ?? 'string') as CustomerColumnType }))
          .filter((c) => c.at !== idAt && c.at !== labelAt);
        builder.begin(key, report.schema.columns?.customer ?? 'customer_id', label as string, inputs);
        const row: (number | string | null)[] = [];
        for (const values of result.getRowsJS()) {
          row.length = 0;
          for (const input of inputs) row.push(parquetValue(values[input.at], input.type));
          builder.add(key, String(values[idAt]), Number(values[labelAt]), row);
        }
      }
    }),
  );
  return builder.build();
}

function parquetValue(value: unknown, type: CustomerColumnType): number | string | null {
  if (value === null || value === undefined) return type === 'string' ? null : Number.NaN;
  if (type === 'string') return String(value);
  return value instanceof Date ? value.getTime() : Number(value);
}
