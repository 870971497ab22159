/**
 * Transactions held column-wise in typed arrays: one entry per row, no object per row, so a table of
 * 20M transactions stays a few hundred MB. This is what ingestion produces and features consume.
 */
export interface TransactionTable {
  readonly length: number;
  /** Distinct customer ids; `customer[i]` indexes into this. */
  readonly customerIds: string[];
  readonly customer: Int32Array;
  /** Timestamp in epoch milliseconds (UTC). */
  readonly time: Float64Array;
  /** Net amount: returns and cancellations are negative. */
  readonly amount: Float64Array;
  /** Distinct order ids; `order[i]` indexes into this, -1 when the row has none. */
  readonly orderIds: string[];
  readonly order: Int32Array;
  /** Optional categorical columns (country, channel): per column, its distinct values and a code per row (-1 = missing). */
  readonly categories: Record<string, { values: string[]; codes: Int32Array }>;
}

/** One transaction as a caller hands it to {@link TransactionTableBuilder.add}. */
export interface TransactionInput {
  customerId: string;
  time: number;
  amount: number;
  orderId?: string | undefined;
  categories?: Record<string, string | undefined>;
}

/** Appends transactions into growing typed arrays and interns ids; `build()` returns a trimmed table. */
export class TransactionTableBuilder {
  private size = 0;
  private capacity: number;
  private customer: Int32Array;
  private time: Float64Array;
  private amount: Float64Array;
  private order: Int32Array;
  private readonly categoryCodes = new Map<string, Int32Array>();
  private readonly customerIndex = new Map<string, number>();
  private readonly orderIndex = new Map<string, number>();
  private readonly categoryIndex = new Map<string, Map<string, number>>();

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.customer = new Int32Array(this.capacity);
    this.time = new Float64Array(this.capacity);
    this.amount = new Float64Array(this.capacity);
    this.order = new Int32Array(this.capacity);
  }

  get length(): number {
    return this.size;
  }

  add(row: TransactionInput): void {
    if (this.size === this.capacity) this.grow();
    const i = this.size++;
    this.customer[i] = intern(this.customerIndex, row.customerId);
    this.time[i] = row.time;
    this.amount[i] = row.amount;
    this.order[i] =
      row.orderId === undefined || row.orderId === '' ? -1 : intern(this.orderIndex, row.orderId);
    for (const codes of this.categoryCodes.values()) codes[i] = -1;
    const categories = row.categories;
    // for…in, not Object.entries: no array per row on the hot path of every load.
    for (const name in categories) {
      const value = categories[name];
      const codes = this.categoryColumn(name);
      codes[i] = value === undefined || value === '' ? -1 : intern(this.categoryIndexOf(name), value);
    }
  }

  build(): TransactionTable {
    const n = this.size;
    const categories: TransactionTable['categories'] = {};
    for (const [name, codes] of this.categoryCodes) {
      categories[name] = { values: keysInOrder(this.categoryIndexOf(name)), codes: codes.slice(0, n) };
    }
    return {
      length: n,
      customerIds: keysInOrder(this.customerIndex),
      customer: this.customer.slice(0, n),
      time: this.time.slice(0, n),
      amount: this.amount.slice(0, n),
      orderIds: keysInOrder(this.orderIndex),
      order: this.order.slice(0, n),
      categories,
    };
  }

  private grow(): void {
    this.capacity *= 2;
    this.customer = resized(this.customer, this.capacity);
    this.time = resized(this.time, this.capacity);
    this.amount = resized(this.amount, this.capacity);
    this.order = resized(this.order, this.capacity);
    for (const [name, codes] of this.categoryCodes)
      this.categoryCodes.set(name, resized(codes, this.capacity));
  }

  private categoryColumn(name: string): Int32Array {
    let codes = this.categoryCodes.get(name);
    if (!codes) {
      // A column first seen now was missing on every earlier row.
      codes = new Int32Array(this.capacity).fill(-1);
      this.categoryCodes.set(name, codes);
    }
    return codes;
  }

  private categoryIndexOf(name: string): Map<string, number> {
    let index = this.categoryIndex.get(name);
    if (!index) {
      index = new Map();
      this.categoryIndex.set(name, index);
    }
    return index;
  }
}

function intern(index: Map<string, number>, key: string): number {
  let id = index.get(key);
  if (id === undefined) {
    id = index.size;
    index.set(key, id);
  }
  return id;
}

function keysInOrder(index: Map<string, number>): string[] {
  return [...index.keys()];
}

function resized<T extends Int32Array | Float64Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}
