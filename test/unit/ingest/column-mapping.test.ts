import { describe, expect, it } from 'vitest';
import { ColumnMappingError, parseColumnMapping } from '../../../lib/ingest';
import { detectColumnsByHeader } from '../../../lib/ingest/column-mapping';

describe('parseColumnMapping', () => {
  it('parses the CLI form with roles and options', () => {
    expect(
      parseColumnMapping(
        'customer=CustomerID,date=InvoiceDate,amount=Total,dateFormat=dmy,delimiter=tab,header=false',
      ),
    ).toEqual({
      customer: 'CustomerID',
      date: 'InvoiceDate',
      amount: 'Total',
      dateFormat: 'dmy',
      delimiter: '\t',
      header: false,
    });
  });

  it('rejects unknown keys, naming the valid ones', () => {
    expect(() => parseColumnMapping('customer=a,colour=red')).toThrow(ColumnMappingError);
    expect(() => parseColumnMapping('colour=red')).toThrow(/unknown column mapping key "colour".*customer/);
  });

  it('rejects invalid option values', () => {
    expect(() => parseColumnMapping('dateFormat=dd.mm')).toThrow(/dateFormat must be one of/);
    expect(() => parseColumnMapping('decimal=;')).toThrow(/decimal/);
    expect(() => parseColumnMapping('customer')).toThrow(/key=value/);
  });
});

describe('detectColumnsByHeader', () => {
  it('recognizes common export headers whatever their case, spaces or underscores', () => {
    expect(
      detectColumnsByHeader(['Order Number', 'E-mail', 'Created_At', 'Grand Total', 'Sales Channel']),
    ).toEqual({
      orderId: 0,
      customer: 1,
      date: 2,
      amount: 3,
      channel: 4,
    });
  });

  it('prefers an amount column to quantity when both exist (CDNOW)', () => {
    expect(detectColumnsByHeader(['customer_id', 'date', 'number_of_cds', 'dollar_value'])).toEqual({
      customer: 0,
      date: 1,
      amount: 3,
      quantity: 2,
    });
  });
});
