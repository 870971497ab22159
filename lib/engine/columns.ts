import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBMaterializedResult,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  INTEGER,
} from '@duckdb/node-api';
import * as bindings from '@duckdb/node-bindings';

/**
 * Typed arrays in and out of DuckDB a vector (2,048 rows) at a time, copied as bytes: the batch paths move
 * tens of millions of values, which value-by-value conversion would spend seconds on. Two column types:
 * INTEGER (Int32Array) and DOUBLE (Float64Array). Neither way carries NULL: write a sentinel and turn it
 * into NULL in SQL (`NULLIF(code, -1)`), read NULL back as the `missing` value of the column.
 */
export type Column = Int32Array | Float64Array;

/** A column of a query's result to read: its name in the result, its type, what NULL becomes. */
export interface ColumnSpec {
  type: 'integer' | 'double';
  /** What a NULL reads as; default −1 for integers, NaN for doubles. */
  missing?: number;
}

export type ColumnsOf<T extends Record<string, ColumnSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'integer' ? Int32Array : Float64Array;
};

/** A table or column name that is not a plain SQL identifier (it would have to be quoted). */
export class IdentifierError extends Error {
  constructor(name: string) {
    super(`"${name}" is not a plain identifier (lowercase letters, digits and _, starting with a letter)`);
    this.name = 'IdentifierError';
  }
}

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new IdentifierError(name);
  return name;
}

/**
 * Create `table` (temporary: it goes with the connection) with one column per entry of `columns`, in
 * their order, and fill it with their values. Every array must have the same length.
 * @throws IdentifierError for a table or column name that is not a plain identifier
 */
export async function createTableFromColumns(
  connection: DuckDBConnection,
  table: string,
  columns: Record<string, Column>,
): Promise<void> {
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1].length ?? 0;
  for (const [name, values] of entries)
    if (values.length !== rows)
      throw new RangeError(`column ${name} has ${values.length} values, not ${rows}`);
  const types: DuckDBType[] = entries.map(([, values]) => (values instanceof Int32Array ? INTEGER : DOUBLE));
  const definition = entries
    .map(([name], i) => `${identifier(name)} ${types[i] === INTEGER ? 'INTEGER' : 'DOUBLE'}`)
    .join(', ');
  await connection.run(`CREATE TEMP TABLE ${identifier(table)} (${definition})`);
  const appender = await connection.createAppender(table, 'main', 'temp');
  try {
    const chunk = DuckDBDataChunk.create(types);
    const size = bindings.vector_size();
    for (let from = 0; from < rows; from += size) {
      const count = Math.min(size, rows - from);
      chunk.rowCount = count;
      entries.forEach(([, values], i) => {
        const part = values.subarray(from, from + count);
        const vector = bindings.data_chunk_get_vector(chunk.chunk, i);
        bindings.copy_data_to_vector(vector, 0, part.buffer as ArrayBuffer, part.byteOffset, part.byteLength);
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Run `sql` with its parameters bound and read the result's columns named in `spec` into typed arrays.
 * @throws TypeError when a column is missing from the result or is not of its spec's type
 */
export async function readColumns<T extends Record<string, ColumnSpec>>(
  connection: DuckDBConnection,
  sql: string,
  values: DuckDBValue[] | Record<string, DuckDBValue>,
  spec: T,
): Promise<{ rows: number; columns: ColumnsOf<T> }> {
  const result = await connection.run(sql, values);
  return { rows: result.rowCount, columns: resultColumns(result, spec) };
}

function resultColumns<T extends Record<string, ColumnSpec>>(
  result: DuckDBMaterializedResult,
  spec: T,
): ColumnsOf<T> {
  const names = result.columnNames();
  const rows = result.rowCount;
  const out: Record<string, Column> = {};
  const readers = Object.entries(spec).map(([name, column]) => {
    const at = names.indexOf(name);
    if (at < 0) throw new TypeError(`the result has no column ${name} (it has ${names.join(', ')})`);
    const typeId = result.columnTypeId(at);
    const integer = column.type === 'integer';
    if (typeId !== (integer ? DuckDBTypeId.INTEGER : DuckDBTypeId.DOUBLE))
      throw new TypeError(
        `result column ${name} is ${DuckDBTypeId[typeId]}, not ${column.type.toUpperCase()}`,
      );
    const target = integer ? new Int32Array(rows) : new Float64Array(rows);
    out[name] = target;
    return { at, target, missing: column.missing ?? (integer ? -1 : Number.NaN) };
  });
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const count = chunk.rowCount;
    for (const { at, target, missing } of readers) {
      const vector = bindings.data_chunk_get_vector(chunk.chunk, at);
      const bytes = bindings.vector_get_data(vector, count * target.BYTES_PER_ELEMENT);
      const part =
        target instanceof Int32Array
          ? new Int32Array(bytes.buffer, bytes.byteOffset, count)
          : new Float64Array(bytes.buffer, bytes.byteOffset, count);
      target.set(part, offset);
      const validity = bindings.vector_get_validity(vector, Math.ceil(count / 64) * 8);
      if (validity && validity.length > 0)
        for (let i = 0; i < count; i++)
          if ((((validity[i >> 3] as number) >> (i & 7)) & 1) === 0) target[offset + i] = missing;
    }
    offset += count;
  }
  return out as ColumnsOf<T>;
}

/**
 * Run `sql` with its parameters bound and read its first column as text, NULL as `null` (values are
 * converted one by one: for dictionaries, not for every row).
 */
export async function readStrings(
  connection: DuckDBConnection,
  sql: string,
  values: DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<(string | null)[]> {
  const result = await connection.run(sql, values);
  if (result.columnTypeId(0) !== DuckDBTypeId.VARCHAR)
    throw new TypeError(
      `result column ${result.columnName(0)} is ${DuckDBTypeId[result.columnTypeId(0)]}, not VARCHAR`,
    );
  const out: (string | null)[] = new Array(result.rowCount);
  let at = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const vector = result.getChunk(c).getColumnVector(0);
    for (let i = 0; i < vector.itemCount; i++) out[at++] = vector.getItem(i) as string | null;
  }
  return out;
}
