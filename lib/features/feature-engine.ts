import { type ColumnSpec, createTableFromColumns, readColumns } from '../engine/columns';
import { type EngineSettings, engineSettings, type OpenDuckDb, openDuckDb } from '../engine/duckdb';
import { sqlQuery } from '../engine/sql-file';
import type { TransactionTable } from '../ingest/transaction-table';
import type { BgNbdFit } from '../model/bg-nbd';
import type { GammaGammaFit } from '../model/gamma-gamma';
import type { PurchaseHistory } from '../model/seasonal-level';
import { DAY_MS } from '../time';
import {
  BASE_FEATURE_NAMES,
  type CustomerFeatures,
  type FeatureOptions,
  type FeatureSummary,
  featuresFromSummary,
  fitBtyd,
} from './compute-features';

/** The categorical columns sql/customer-features.sql knows (the normalized Parquet's). */
const CATEGORY_COLUMNS = ['country', 'channel'] as const;

/** Columns of sql/customer-features.sql besides the base features: the fits' inputs and the categories. */
const SUMMARY_COLUMNS = {
  customer_id: { type: 'integer' },
  first_day_spend: { type: 'double' },
  repeat_day_mean_spend: { type: 'double' },
  last_country: { type: 'integer' },
  last_channel: { type: 'integer' },
} as const;

/** The table has a categorical column the feature SQL does not read. */
export class UnsupportedCategoryError extends Error {
  constructor(column: string) {
    super(
      `categorical column "${column}" is not one sql/customer-features.sql reads (${CATEGORY_COLUMNS.join(', ')})`,
    );
    this.name = 'UnsupportedCategoryError';
  }
}

/** A query asked for rows at or after the instant an engine's view was bounded to. */
export class FutureRowsError extends Error {
  constructor(what: string, until: number, bound: number) {
    super(
      `${what} reads rows up to ${new Date(until).toISOString()}, after this view's end ${new Date(bound).toISOString()}`,
    );
    this.name = 'FutureRowsError';
  }
}

/** What an engine and the bounded views of it share: the database and what it has computed so far. */
interface Shared {
  db: OpenDuckDb;
  closed: boolean;
  /** Per as-of instant: the SQL's summary, and BG/NBD + Gamma-Gamma fitted on it. */
  summaries: Map<number, Promise<FeatureSummary>>;
  fits: Map<number, Promise<{ bgNbd: BgNbdFit; gammaGamma: GammaGammaFit }>>;
  /** Per `from,to`: net spend in [from, to) by customer index, clipped at 0. */
  spend: Map<string, Promise<Float32Array>>;
}

/**
 * The batch path of lib/features: a TransactionTable's rows in a DuckDB, answering with the SQL of sql/
 * (the definition Athena runs past one machine): features at any as-of date
 * (sql/customer-features.sql, with the BG/NBD and Gamma-Gamma fits applied here), net spend between two
 * instants (labels, truth; sql/customer-net-spend.sql) and purchase days (the money level's input;
 * sql/customer-purchase-days.sql). What a date's SQL returns is kept, so a training's systems share each
 * as-of date's build: features at c−H are the validation window's scoring rows and the production fit's
 * first labelled window.
 *
 * Open one per table, close it when done ({@link FeatureEngine.close}); {@link FeatureEngine.visibleBefore}
 * gives a view that shares it and refuses to read a row at or after a date. Customer indices are the
 * table's (`table.customerIds`), so its results line up with anything else built on the table.
 */
export class FeatureEngine implements Disposable {
  private constructor(
    readonly table: TransactionTable,
    private readonly shared: Shared,
    /** Rows at or after this instant are out of reach (a backtest's systems see only the past). */
    readonly end: number,
    /** The engine that opened the database (only it closes it), or this one. */
    private readonly opener?: FeatureEngine,
  ) {}

  /**
   * Copy the table's rows into a fresh in-memory DuckDB.
   * @throws UnsupportedCategoryError when the table has a categorical column the SQL does not read
   */
  static async open(
    table: TransactionTable,
    settings: EngineSettings = engineSettings(),
  ): Promise<FeatureEngine> {
    for (const column of Object.keys(table.categories))
      if (!(CATEGORY_COLUMNS as readonly string[]).includes(column))
        throw new UnsupportedCategoryError(column);
    const db = await openDuckDb(settings);
    try {
      const missing = () => new Int32Array(table.length).fill(-1);
      await createTableFromColumns(db.connection, 'transaction_rows', {
        customer_id: table.customer,
        ts_ms: table.time,
        amount: table.amount,
        order_code: table.order,
        country_code: table.categories.country?.codes ?? missing(),
        channel_code: table.categories.channel?.codes ?? missing(),
      });
      await db.connection.run(sqlQuery('transaction-table-view'));
    } catch (e: unknown) {
      db.close();
      throw e;
    }
    return new FeatureEngine(
      table,
      { db, closed: false, summaries: new Map(), fits: new Map(), spend: new Map() },
      Number.POSITIVE_INFINITY,
    );
  }

  /** The same engine, refusing any query that would read a row at or after `end`. */
  visibleBefore(end: number): FeatureEngine {
    return new FeatureEngine(this.table, this.shared, Math.min(end, this.end), this.opener ?? this);
  }

  /**
   * Features as of `asOf` (exclusive) of every customer with a transaction before it, in index order:
   * computeFeatures' matrix, from sql/customer-features.sql. BG/NBD and Gamma-Gamma are fitted on the
   * same visible history unless `options` carries fits.
   */
  async features(asOf: number, options: FeatureOptions = {}): Promise<CustomerFeatures> {
    const summary = await this.summary(asOf);
    const fits = options.bgNbd && options.gammaGamma ? undefined : await this.fits(asOf);
    return featuresFromSummary(this.table, summary, {
      ...options,
      bgNbd: options.bgNbd ?? fits?.bgNbd,
      gammaGamma: options.gammaGamma ?? fits?.gammaGamma,
    });
  }

  /** Per customer of `customers`, the net amount of its transactions with from ≤ time < to, clipped at 0. */
  async netSpend(customers: Int32Array, from: number, to: number): Promise<Float32Array> {
    this.assertVisible('net spend', to);
    const key = `${from},${to}`;
    let byCustomer = this.shared.spend.get(key);
    if (!byCustomer) {
      byCustomer = this.query('customer-net-spend', [from, to], {
        customer_id: { type: 'integer' },
        net_spend: { type: 'double' },
      }).then(({ rows, columns }) => {
        const spend = new Float32Array(this.table.customerIds.length);
        for (let r = 0; r < rows; r++)
          spend[columns.customer_id[r] as number] = columns.net_spend[r] as number;
        return spend;
      });
      this.shared.spend.set(key, byCustomer);
    }
    const spend = await byCustomer;
    return Float32Array.from(customers, (c) => spend[c] as number);
  }

  /**
   * The purchase days before `asOf` of each customer of `population` (each with a transaction before it),
   * in population order, with the day's net spend.
   */
  async purchaseHistory(asOf: number, population: Int32Array): Promise<PurchaseHistory> {
    this.assertVisible('purchase days', asOf);
    const { rows, columns } = await this.query('customer-purchase-days', [asOf], {
      customer_id: { type: 'integer' },
      purchase_day: { type: 'integer' },
      spend: { type: 'double' },
    });
    // Rows come by customer, then day: each customer's days are one run of them.
    const firstRow = new Int32Array(this.table.customerIds.length + 1).fill(-1);
    const rowsOf = new Int32Array(this.table.customerIds.length);
    for (let r = 0; r < rows; r++) {
      const c = columns.customer_id[r] as number;
      if (firstRow[c] === -1) firstRow[c] = r;
      rowsOf[c] = (rowsOf[c] as number) + 1;
    }
    const start = new Int32Array(population.length + 1);
    population.forEach((c, i) => {
      start[i + 1] = (start[i] as number) + (rowsOf[c] as number);
    });
    const day = new Int32Array(start[population.length] as number);
    const spend = new Float64Array(day.length);
    population.forEach((c, i) => {
      const from = firstRow[c] as number;
      const count = rowsOf[c] as number;
      if (count === 0) return;
      day.set(columns.purchase_day.subarray(from, from + count), start[i] as number);
      spend.set(columns.spend.subarray(from, from + count), start[i] as number);
    });
    return { endDay: Math.ceil(asOf / DAY_MS), start, day, spend };
  }

  /** Close the database, and every view of it with it (once; again does nothing, as a view's close). */
  close(): void {
    if (this.opener || this.shared.closed) return;
    this.shared.closed = true;
    this.shared.db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * The per-customer summaries of sql/customer-features.sql as of `asOf`, before the fits and the one-hot
   * columns: what {@link features} assembles its matrix from.
   */
  summary(asOf: number): Promise<FeatureSummary> {
    this.assertVisible('features', asOf);
    let summary = this.shared.summaries.get(asOf);
    if (!summary) {
      summary = this.readSummary(asOf);
      this.shared.summaries.set(asOf, summary);
      summary.catch(() => this.shared.summaries.delete(asOf));
    }
    return summary;
  }

  private fits(asOf: number): Promise<{ bgNbd: BgNbdFit; gammaGamma: GammaGammaFit }> {
    let fits = this.shared.fits.get(asOf);
    if (!fits) {
      fits = this.summary(asOf).then(fitBtyd);
      this.shared.fits.set(asOf, fits);
      fits.catch(() => this.shared.fits.delete(asOf));
    }
    return fits;
  }

  private async readSummary(asOf: number): Promise<FeatureSummary> {
    const { rows, columns } = await this.query('customer-features', [asOf], {
      ...SQL_BASE_COLUMNS,
      ...SUMMARY_COLUMNS,
    });
    const doubles = columns as unknown as Record<string, Float64Array>;
    const cols = BASE_FEATURE_NAMES.length;
    const base = new Float32Array(rows * cols);
    BASE_FEATURE_NAMES.forEach((name, col) => {
      const values = doubles[name];
      if (!values || !(name in SQL_BASE_COLUMNS)) return;
      for (let r = 0; r < rows; r++) base[r * cols + col] = values[r] as number;
    });
    const lastCodes: Record<string, Int32Array> = {};
    for (const name of Object.keys(this.table.categories))
      lastCodes[name] = name === 'country' ? columns.last_country : columns.last_channel;
    return {
      customers: columns.customer_id,
      base,
      x: doubles.frequency as Float64Array,
      recency: doubles.recency_days as Float64Array,
      tenure: doubles.tenure_days as Float64Array,
      repeatMean: columns.repeat_day_mean_spend,
      firstDaySpend: columns.first_day_spend,
      lastCodes,
    };
  }

  private query<T extends Record<string, ColumnSpec>>(name: string, values: number[], spec: T) {
    return readColumns(this.shared.db.connection, sqlQuery(name), values, spec);
  }

  private assertVisible(what: string, until: number): void {
    if (until > this.end) throw new FutureRowsError(what, until, this.end);
  }
}

/** Features the SQL leaves to the model code: they need maximum-likelihood fits (see the SQL's header). */
export const MODEL_CODE_FEATURES: ReadonlySet<string> = new Set([
  'bgnbd_p_alive',
  'bgnbd_expected_transactions',
  'gg_expected_order_value',
  'bgnbd_gg_expected_spend',
]);

/** The base features sql/customer-features.sql returns (all but {@link MODEL_CODE_FEATURES}), as DOUBLE. */
const SQL_BASE_COLUMNS: Record<string, ColumnSpec> = Object.fromEntries(
  BASE_FEATURE_NAMES.filter((name) => !MODEL_CODE_FEATURES.has(name)).map((name) => [
    name,
    { type: 'double' },
  ]),
);

/** Run `work` with an engine over `table`, closed after whatever happens. */
export async function withFeatureEngine<T>(
  table: TransactionTable,
  work: (engine: FeatureEngine) => Promise<T>,
): Promise<T> {
  using engine = await FeatureEngine.open(table);
  return await work(engine);
}
