import { describe, expect, it } from 'vitest';
import { sniffLayout } from '../../../lib/ingest/sniff';
import { ingestFixture } from './helpers';

/** Each fixture is ingested with no mapping: the detected schema is what the report says. */
describe('sniffing', () => {
  it.each([
    ['comma.csv', ','],
    ['semicolon-decimal-comma.csv', ';'],
    ['tab.tsv', '\t'],
    ['pipe.txt', '|'],
    ['whitespace.txt', 'whitespace'],
  ])('detects the delimiter of %s', async (file, delimiter) => {
    const { report } = await ingestFixture(file);
    expect(report.status).toBe('ok');
    expect(report.schema.delimiter).toBe(delimiter);
  });

  it('reads a whitespace file with leading spaces and CRLF, keeping zero-padded ids', async () => {
    const { report, out } = await ingestFixture('whitespace.txt');
    expect(report).toMatchObject({ rowsRead: 3, rowsAccepted: 3, customers: 2, amountTotal: 28.77 });
    expect(report.schema.columns).toMatchObject({
      customer: 'customer_id',
      amount: 'dollar_value',
      quantity: 'number_of_cds',
    });
    expect(report.schema.dateFormat).toBe('ymd');
    expect(out).toBeDefined();
  });

  it('reads a file without a header by the shape of its values', async () => {
    const { report } = await ingestFixture('no-header.txt');
    expect(report.schema.header).toBe(false);
    expect(report.schema.mappingSource).toBe('values');
    expect(report.schema.columns).toMatchObject({
      customer: 'column_1',
      date: 'column_3',
      amount: 'column_5',
    });
    expect(report).toMatchObject({ rowsRead: 3, rowsAccepted: 3, amountTotal: 31.27 });
  });

  it('detects a decimal comma and day-first dates', async () => {
    const { report } = await ingestFixture('semicolon-decimal-comma.csv');
    expect(report.schema).toMatchObject({ decimal: ',', dateFormat: 'dmy' });
    expect(report.amountTotal).toBe(1244.06);
    expect(report.dateRange).toEqual({ first: '2024-02-13T00:00:00.000Z', last: '2024-03-02T00:00:00.000Z' });
  });

  it.each([
    ['day-first.csv', 'dmy', '2024-04-03T00:00:00.000Z'],
    ['month-first.csv', 'mdy', '2024-03-04T00:00:00.000Z'],
    ['epoch-seconds.csv', 'epoch-s', '2024-01-05T10:00:00.000Z'],
    ['epoch-millis.csv', 'epoch-ms', '2024-01-05T10:00:00.000Z'],
    ['tab.tsv', 'ymd', '2024-01-05T00:00:00.000Z'],
    ['comma.csv', 'iso', '2024-01-05T10:00:00.000Z'],
  ])('resolves the date format of %s from the data', async (file, format, first) => {
    const { report } = await ingestFixture(file);
    expect(report.schema.dateFormat).toBe(format);
    expect(report.dateRange?.first).toBe(first);
  });

  it('fails an ambiguous day/month file with a reason naming the option to set, never guessing', async () => {
    const { report } = await ingestFixture('ambiguous-dates.csv');
    expect(report.status).toBe('failed');
    expect(report.failureCode).toBe('ambiguous_date_format');
    expect(report.failureReason).toMatch(/dateFormat=dmy or dateFormat=mdy/);
  });

  it('accepts the ambiguous file once the mapping settles the format', async () => {
    const { report } = await ingestFixture('ambiguous-dates.csv', { mapping: { dateFormat: 'mdy' } });
    expect(report.status).toBe('ok');
    expect(report.dateRange?.first).toBe('2024-01-02T00:00:00.000Z');
  });

  it('computes amount = quantity × unit price and normalizes float-like customer ids', async () => {
    const { report, out } = await ingestFixture('quantity-price.csv');
    expect(report.schema.columns).toMatchObject({
      quantity: 'Quantity',
      unitPrice: 'UnitPrice',
      orderId: 'InvoiceNo',
    });
    expect(report).toMatchObject({ rowsRead: 4, rowsAccepted: 2, customers: 2, amountTotal: -12.2 });
    expect(report.rejectedByReason).toEqual({ missing_customer_id: 1, unparseable_quantity: 1 });
    expect(out).toBeDefined();
  });
});

describe('sniffLayout: the kind of a file', () => {
  const withLabel =
    'Customer_ID,Age,Last_Purchase_Date,Future_Value\nC1,30,2023-01-02,12.5\nC2,41,2023-02-03,0\n';
  const withoutLabel = 'Customer_ID,Age,Last_Purchase_Date\nC1,30,2023-01-02\nC2,41,2023-02-03\n';

  it('recognizes a customer table by its label column', () => {
    const layout = sniffLayout(withLabel);
    expect(layout.kind).toBe('customer-table');
    expect(layout.columns).toMatchObject({ customer: 0, target: 3 });
  });

  it('reads a table told to be a customer table to score without a label, and a label column as an ordinary one', () => {
    // Act
    const unlabelled = sniffLayout(withoutLabel, { unlabelledCustomerTable: true });
    const labelled = sniffLayout(withLabel, { unlabelledCustomerTable: true, target: 'Future_Value' });

    // Assess
    expect(unlabelled).toMatchObject({ kind: 'customer-table', columns: { customer: 0 }, dateFormat: 'iso' });
    expect(unlabelled.columnTypes).toEqual(['string', 'double', 'timestamp']);
    expect(labelled.kind).toBe('customer-table');
    expect(labelled.columns.target).toBeUndefined();
    expect(labelled.columnTypes).toEqual(['string', 'double', 'timestamp', 'double']);
  });

  it('without being told, a table without its label is no transaction log, and the reason names the label to set', () => {
    expect(() => sniffLayout(withoutLabel)).toThrow(
      /^no date column found; set it with --columns or uploads\/<dataset>\/_mapping.json \(date=<column>\); if this is a customer table \(one row per customer\), training needs its label column \(e\.g\. Future_Value\) and none was found: set target=<column> the same way$/,
    );
  });
});
