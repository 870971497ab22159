import { closeSync, openSync, writeSync } from 'node:fs';
import { type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';
import { ByteWriter, type ColumnSource, ParquetWriter, type SchemaElement } from 'hyparquet-writer';

/** Column types of the normalized Parquet files (what DuckDB/Athena/Spark see). */
export type ParquetColumnType = 'string' | 'double' | 'timestamp' | 'int64';

export interface ParquetColumnSpec {
  name: string;
  type: ParquetColumnType;
  nullable: boolean;
}

/** Rows per row group: large enough for good compression, small enough to keep memory flat. */
const ROW_GROUP_ROWS = 65_536;

/**
 * A Parquet file written row group by row group to a local path: rows are buffered column-wise
 * (typed arrays for numbers, `NaN` standing for null), and every {@link ROW_GROUP_ROWS} rows the group
 * is encoded and appended to the file, so memory does not grow with the file.
 */
export class ParquetFileWriter {
  /**
   * Per column: a Float64Array (numbers, timestamps as epoch ms) or an array of strings (`null` = missing).
   * They start small (most sources are small files) and grow up to a row group; read them afresh per row.
   */
  buffers: (Float64Array | (string | null)[])[];
  private capacity = 4096;
  private rows = 0;
  private readonly writer: ParquetWriter;
  private readonly fd: number;
  private finished = false;

  constructor(
    path: string,
    readonly columns: readonly ParquetColumnSpec[],
  ) {
    this.buffers = columns.map((c) =>
      c.type === 'string'
        ? new Array<string | null>(this.capacity).fill(null)
        : new Float64Array(this.capacity),
    );
    this.fd = openSync(path, 'w');
    this.writer = new ParquetWriter({ writer: fileByteWriter(this.fd), schema: schemaOf(columns) });
  }

  /** Index of the row being filled: write its values into `buffers[column][row]`, then call {@link commitRow}. */
  get row(): number {
    return this.rows;
  }

  commitRow(): void {
    if (++this.rows < this.capacity) return;
    if (this.capacity < ROW_GROUP_ROWS) this.grow();
    else this.flushGroup();
  }

  /** Write the last row group and the footer, and close the file. */
  finish(): void {
    if (this.rows > 0 || this.writer.num_rows === 0n) this.flushGroup();
    this.writer.finish();
    this.close();
  }

  /** Close the file without completing it (the caller deletes it). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    closeSync(this.fd);
  }

  private grow(): void {
    this.capacity = Math.min(this.capacity * 4, ROW_GROUP_ROWS);
    this.buffers = this.buffers.map((b) => {
      if (Array.isArray(b)) return b.concat(new Array<string | null>(this.capacity - b.length).fill(null));
      const next = new Float64Array(this.capacity);
      next.set(b);
      return next;
    });
  }

  private flushGroup(): void {
    const n = this.rows;
    const columnData: ColumnSource[] = this.columns.map((spec, i) => ({
      name: spec.name,
      data: columnValues(spec, this.buffers[i] as Float64Array | (string | null)[], n),
    }));
    this.writer.write({ columnData, rowGroupSize: Math.max(n, 1) });
    this.rows = 0;
  }
}

function columnValues(spec: ParquetColumnSpec, buffer: Float64Array | (string | null)[], n: number) {
  if (Array.isArray(buffer)) return buffer.slice(0, n);
  if (spec.type === 'double') {
    if (!spec.nullable) return buffer.slice(0, n);
    const out = new Array<number | null>(n);
    for (let i = 0; i < n; i++) {
      const v = buffer[i] as number;
      out[i] = Number.isNaN(v) ? null : v;
    }
    return out;
  }
  // INT64 columns (timestamps and integers) take bigints.
  if (!spec.nullable) {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(buffer[i] as number);
    return out;
  }
  const out = new Array<bigint | null>(n);
  for (let i = 0; i < n; i++) {
    const v = buffer[i] as number;
    out[i] = Number.isNaN(v) ? null : BigInt(v);
  }
  return out;
}

function schemaOf(columns: readonly ParquetColumnSpec[]): SchemaElement[] {
  const root: SchemaElement = { name: 'root', num_children: columns.length };
  return [
    root,
    ...columns.map((c): SchemaElement => {
      const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
      switch (c.type) {
        case 'string':
          return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
        case 'double':
          return { name: c.name, type: 'DOUBLE', repetition_type };
        case 'int64':
          return { name: c.name, type: 'INT64', repetition_type };
        default:
          // timestamp: both annotations: old readers know TIMESTAMP_MILLIS, new ones read the UTC flag.
          return {
            name: c.name,
            type: 'INT64',
            converted_type: 'TIMESTAMP_MILLIS',
            logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
            repetition_type,
          };
      }
    }),
  ];
}

/** A hyparquet-writer ByteWriter that appends to a file descriptor after each row group and at the end. */
function fileByteWriter(fd: number): ByteWriter {
  const writer = new ByteWriter(1 << 20);
  const flush = (): void => {
    if (writer.index === 0) return;
    writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  Object.assign(writer, { flush, finish: flush });
  return writer;
}

/** A Parquet file held in memory, with its footer. */
export interface ParquetInMemory {
  file: ArrayBuffer;
  metadata: FileMetaData;
  /** The top-level column names, in file order. */
  columnNames: string[];
}

/** Parse the footer of a Parquet file read whole (e.g. from the store). */
export function parquetInMemory(bytes: Uint8Array): ParquetInMemory {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  return { file, metadata, columnNames: metadata.schema.slice(1).map((e) => e.name) };
}

/**
 * Decode a Parquet file one row group at a time, so only one group's rows are ever materialized.
 * @param columns the columns to decode, in this order in each row (default every column, in file order)
 * @param onRows called once per row group with its rows
 */
export async function readParquetRowGroups(
  parquet: ParquetInMemory,
  columns: string[] | undefined,
  onRows: (rows: unknown[][]) => void,
): Promise<void> {
  const { file, metadata } = parquet;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({ file, metadata, columns, rowStart, rowEnd, onComplete: onRows });
    rowStart = rowEnd;
  }
}
