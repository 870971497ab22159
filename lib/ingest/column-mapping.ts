import { DATE_FORMATS, type DateFormat } from './value-parsers';

/**
 * An explicit description of an export, overriding what sniffing would detect. Column values name a
 * header (case-, space- and underscore-insensitive) or, for files without a header, a 1-based position.
 */
export interface ColumnMapping {
  customer?: string;
  date?: string;
  amount?: string;
  quantity?: string;
  unitPrice?: string;
  orderId?: string;
  country?: string;
  channel?: string;
  /** The label column of a customer table (e.g. `Future_Value`); giving it makes the file a customer table. */
  target?: string;
  /** `iso`, `ymd` (YYYYMMDD), `dmy`, `mdy`, `epoch-s` or `epoch-ms`. */
  dateFormat?: string;
  /** One character, or `whitespace` (also accepted: `tab`, `\t`). */
  delimiter?: string;
  header?: boolean;
  decimal?: '.' | ',';
  /**
   * Not a user option (no mapping key sets it): set by a loader that knows the file must be a customer
   * table to score, from the input kind of the model (meta.json). The file is then read as a customer
   * table whatever its columns, and a label column, if present, as an ordinary column: the label is the
   * future the model predicts, so it is neither needed nor read.
   */
  unlabelledCustomerTable?: boolean;
}

/** The column roles a mapping can assign. */
export const COLUMN_ROLES = [
  'customer',
  'date',
  'amount',
  'quantity',
  'unitPrice',
  'orderId',
  'country',
  'channel',
  'target',
] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

const OPTION_KEYS = ['dateFormat', 'delimiter', 'header', 'decimal'] as const;

/** A column mapping that cannot be used as written (unknown key, bad value); the message says how to fix it. */
export class ColumnMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ColumnMappingError';
  }
}

const KEY_ALIASES: Record<string, keyof ColumnMapping> = {
  customer: 'customer',
  customerid: 'customer',
  date: 'date',
  amount: 'amount',
  quantity: 'quantity',
  qty: 'quantity',
  unitprice: 'unitPrice',
  price: 'unitPrice',
  orderid: 'orderId',
  order: 'orderId',
  country: 'country',
  channel: 'channel',
  target: 'target',
  dateformat: 'dateFormat',
  delimiter: 'delimiter',
  header: 'header',
  decimal: 'decimal',
};

/**
 * Parse the CLI form `customer=CustomerID,date=InvoiceDate,amount=Total,dateFormat=dmy`.
 * @throws {ColumnMappingError} on an unknown key or an invalid option value.
 */
export function parseColumnMapping(spec: string): ColumnMapping {
  const entries: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ColumnMappingError(`column mapping "${part}" is not key=value`);
    entries[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return validateColumnMapping(entries);
}

/**
 * Check a mapping read from JSON (`uploads/<dataset>/_mapping.json`) or built by {@link parseColumnMapping}.
 * @throws {ColumnMappingError} on an unknown key or an invalid option value.
 */
export function validateColumnMapping(raw: Record<string, unknown>): ColumnMapping {
  const mapping: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = KEY_ALIASES[key.toLowerCase().replace(/[^a-z]/g, '')];
    if (!canonical) {
      throw new ColumnMappingError(
        `unknown column mapping key "${key}"; keys: ${[...COLUMN_ROLES, ...OPTION_KEYS].join(', ')}`,
      );
    }
    mapping[canonical] = value;
  }
  for (const role of COLUMN_ROLES) {
    const v = mapping[role];
    if (v !== undefined && (typeof v !== 'string' || v === '')) {
      throw new ColumnMappingError(`column mapping ${role} must name a column`);
    }
  }
  if (mapping.dateFormat !== undefined && !DATE_FORMATS.includes(mapping.dateFormat as DateFormat)) {
    throw new ColumnMappingError(
      `dateFormat must be one of ${DATE_FORMATS.join(', ')}, not "${String(mapping.dateFormat)}"`,
    );
  }
  if (mapping.decimal !== undefined && mapping.decimal !== '.' && mapping.decimal !== ',') {
    throw new ColumnMappingError(`decimal must be "." or ",", not "${String(mapping.decimal)}"`);
  }
  if (typeof mapping.header === 'string') {
    if (!['true', 'false'].includes(mapping.header))
      throw new ColumnMappingError('header must be true or false');
    mapping.header = mapping.header === 'true';
  }
  if (mapping.delimiter !== undefined)
    mapping.delimiter = normalizeDelimiterOption(String(mapping.delimiter));
  return mapping as ColumnMapping;
}

function normalizeDelimiterOption(value: string): string {
  const named: Record<string, string> = {
    tab: '\t',
    '\\t': '\t',
    whitespace: 'whitespace',
    space: 'whitespace',
    comma: ',',
    semicolon: ';',
    pipe: '|',
  };
  const d = named[value.toLowerCase()] ?? value;
  if (d !== 'whitespace' && d.length !== 1) {
    throw new ColumnMappingError(`delimiter must be one character or "whitespace", not "${value}"`);
  }
  return d;
}

/** Header names of common exports, compared after lower-casing and removing everything but letters and digits. */
const SYNONYMS: Record<ColumnRole, string[]> = {
  customer: [
    'customerid',
    'customer',
    'customerno',
    'customernumber',
    'customercode',
    'custid',
    'clientid',
    'client',
    'userid',
    'user',
    'email',
    'customeremail',
    'buyerid',
    'memberid',
    'accountid',
    'shopperid',
    'contactid',
    'kunde',
    'kundennummer',
    'kundenid',
    'cliente',
    'idclient',
  ],
  date: [
    'date',
    'invoicedate',
    'orderdate',
    'purchasedate',
    'transactiondate',
    'createdat',
    'created',
    'timestamp',
    'datetime',
    'time',
    'orderdatetime',
    'saledate',
    'paymentdate',
    'orderedat',
    'purchasedat',
    'day',
    'datum',
    'fecha',
    'bestelldatum',
  ],
  amount: [
    'amount',
    'total',
    'totalamount',
    'revenue',
    'dollarvalue',
    'sales',
    'value',
    'ordervalue',
    'ordertotal',
    'totalprice',
    'netamount',
    'grandtotal',
    'spend',
    'netsales',
    'lineamount',
    'linetotal',
    'subtotal',
    'betrag',
    'umsatz',
    'montant',
    'importe',
  ],
  quantity: ['quantity', 'qty', 'numberofcds', 'units', 'itemcount', 'numitems', 'quantityordered', 'count'],
  unitPrice: ['unitprice', 'price', 'itemprice', 'priceeach', 'unitcost', 'priceperunit'],
  orderId: [
    'orderid',
    'invoiceno',
    'invoice',
    'invoiceid',
    'invoicenumber',
    'ordernumber',
    'orderno',
    'transactionid',
    'receiptid',
    'order',
  ],
  country: ['country', 'countrycode', 'shippingcountry', 'billingcountry'],
  channel: ['channel', 'saleschannel', 'orderchannel', 'medium'],
  target: ['futurevalue', 'clv', 'ltv', 'target', 'customerlifetimevalue', 'lifetimevalue', 'label'],
};

/** Lower-case letters and digits only: `Customer ID`, `customer_id` and `CustomerID` compare equal. */
export function normalizeHeaderName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Positions of each role's column in a header, by synonym; a column serves at most one role. */
export function detectColumnsByHeader(header: readonly string[]): Partial<Record<ColumnRole, number>> {
  const names = header.map(normalizeHeaderName);
  const found: Partial<Record<ColumnRole, number>> = {};
  const taken = new Set<number>();
  for (const role of COLUMN_ROLES) {
    // Earlier synonyms are more specific, so they win (`dollarvalue` before `value`).
    for (const synonym of SYNONYMS[role]) {
      const at = names.findIndex((n, i) => n === synonym && !taken.has(i));
      if (at >= 0) {
        found[role] = at;
        taken.add(at);
        break;
      }
    }
  }
  return found;
}

/** Whether a header cell is a known column name of any role. */
export function isKnownHeaderName(name: string): boolean {
  const n = normalizeHeaderName(name);
  return n !== '' && COLUMN_ROLES.some((role) => SYNONYMS[role].includes(n));
}

/**
 * Find the column a mapping names: a header name (exact, then normalized), or a 1-based position.
 * @returns the 0-based index, or -1 when absent.
 */
export function findMappedColumn(header: readonly string[] | undefined, name: string): number {
  if (header) {
    const exact = header.indexOf(name);
    if (exact >= 0) return exact;
    const n = normalizeHeaderName(name);
    const loose = header.findIndex((h) => normalizeHeaderName(h) === n);
    if (loose >= 0) return loose;
  }
  if (/^\d+$/.test(name)) {
    const position = Number(name) - 1;
    const width = header?.length ?? Number.POSITIVE_INFINITY;
    return position >= 0 && position < width ? position : -1;
  }
  return -1;
}
