/** Reading normalized Parquet files with hyparquet (the writing is DuckDB's COPY: lib/ingest/ingest-core.ts). */
import { type FileMetaData, parquetMetadata, parquetRead } from 'hyparquet';

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
