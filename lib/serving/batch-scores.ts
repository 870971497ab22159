import { CsvTokenizer } from '../registry/csv-tokenizer';

/** One customer's row of the champion's `predictions.csv`. */
export interface BatchScore extends OutlookFields {
  id: string;
  predictedValue: number;
  /** `null` for models that do not estimate it. */
  pReturn: number | null;
  valueDecile: number;
  modelVersion: string;
}

/**
 * The outlook of one customer in the API's answers (predictions.csv's outlook columns), each absent when the
 * model does not say it (an empty cell, or a predictions.csv written before the columns existed).
 */
export interface OutlookFields {
  predictedP10?: number;
  predictedP90?: number;
  pAlive?: number;
  expectedOrders?: number;
  clv?: number;
  segment?: string;
}

/** predictions.csv's outlook columns and the BatchScore field each becomes. */
const OUTLOOK_COLUMNS = [
  ['predicted_p10', 'predictedP10'],
  ['predicted_p90', 'predictedP90'],
  ['p_alive', 'pAlive'],
  ['expected_orders', 'expectedOrders'],
  ['clv', 'clv'],
] as const;

/** The outlook fields of a record, only those with a value. */
function outlookOf(record: Record<string, string>): OutlookFields {
  const outlook: OutlookFields = {};
  for (const [column, field] of OUTLOOK_COLUMNS) {
    const cell = record[column];
    if (cell !== undefined && cell !== '') outlook[field] = Number(cell);
  }
  if (record.segment) outlook.segment = unescapeCell(record.segment);
  return outlook;
}

/** The champion's batch scores, indexed by customer, with the decile boundaries they imply. */
export interface BatchScores {
  byId: ReadonlyMap<string, BatchScore>;
  /**
   * `decileFloors[k]` is the lowest predicted value in decile `k + 1` (k = 0..8); a value at or above it
   * belongs to that decile or a better one. Decile 10 has no floor.
   */
  decileFloors: readonly number[];
}

/**
 * Index `predictions.csv` (header `customer_id,predicted_value,p_return,value_decile,model_version` and the
 * outlook columns `predicted_p10,predicted_p90,p_alive,expected_orders,clv,segment`).
 * Ids the writer escaped against spreadsheet formulas (a leading `'`) are unescaped, so the lookup key
 * is the customer id as the shop knows it.
 */
export function parseBatchScores(csv: string): BatchScores {
  const records = csvRecords(csv);
  const byId = new Map<string, BatchScore>();
  const floors = new Array<number>(9).fill(Number.POSITIVE_INFINITY);
  for (const record of records) {
    const id = unescapeCell(record.customer_id ?? '');
    const predictedValue = Number(record.predicted_value);
    const valueDecile = Number(record.value_decile);
    const pReturn = record.p_return === undefined || record.p_return === '' ? null : Number(record.p_return);
    byId.set(id, {
      id,
      predictedValue,
      pReturn,
      valueDecile,
      modelVersion: record.model_version ?? '',
      ...outlookOf(record),
    });
    if (valueDecile >= 1 && valueDecile <= 9)
      floors[valueDecile - 1] = Math.min(floors[valueDecile - 1] as number, predictedValue);
  }
  // An empty decile (fewer than ten customers) inherits the next better decile's floor.
  for (let k = 1; k < 9; k++) if (!Number.isFinite(floors[k])) floors[k] = floors[k - 1] as number;
  return { byId, decileFloors: floors };
}

/** The decile (1 = top 10%) a new predicted value falls into among the champion's batch scores. */
export function decileOf(value: number, decileFloors: readonly number[]): number {
  for (let k = 0; k < decileFloors.length; k++) if (value >= (decileFloors[k] as number)) return k + 1;
  return decileFloors.length + 1;
}

/** The rows of a CSV text as objects keyed by its header (the ingest tokenizer: one CSV reader). */
function csvRecords(csv: string): Record<string, string>[] {
  const records: Record<string, string>[] = [];
  let header: string[] | undefined;
  const tokenizer = new CsvTokenizer(
    ',',
    (fields, line) => {
      if (!header) header = fields;
      else records.push(Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ''])));
      if (header.length !== fields.length)
        throw new Error(`predictions.csv line ${line} has ${fields.length} fields, not ${header.length}`);
    },
    (reason, line) => {
      throw new Error(`predictions.csv line ${line}: ${reason}`);
    },
    csv.length + 1,
  );
  tokenizer.write(csv);
  tokenizer.end();
  return records;
}

/** The inverse of predictions-csv.ts `csvCell`'s escaping: one leading `'` off a cell it escaped. */
function unescapeCell(cell: string): string {
  return /^'[=+\-@\t\r']/.test(cell) ? cell.slice(1) : cell;
}
