import { describe, expect, it } from 'vitest';
import {
  CustomerFeatureError,
  type CustomerTableEncoding,
  customerFeatureNames,
  encodeCustomerRow,
  encodeCustomerRows,
  encodeCustomerTable,
  fitCustomerTableEncoding,
  latestDateAsOf,
  MAX_CATEGORY_LEVELS,
} from '../../../lib/features/customer-table-features';
import type { CustomerTable } from '../../../lib/ingest/load-customer-table';
import { DAY_MS } from '../../../lib/time';

const AS_OF = Date.parse('2024-01-01T00:00:00Z');

/** Six customers; row 5 is outside the training rows and holds values no training row has. */
function smallTable(): CustomerTable {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
  return {
    idColumn: 'Customer_ID',
    labelColumn: 'Future_Value',
    customerIds: ['a', 'b', 'c', 'd', 'e', 'f'],
    label: Float64Array.from([10, 0, 35, -5, 12, 900]),
    columns: [
      { name: 'Age', type: 'double', values: Float64Array.from([30, 40, Number.NaN, 50, 60, 99]) },
      { name: 'Gender', type: 'string', values: ['F', 'M', 'F', 'M', null, 'Z'] },
      {
        name: 'Last_Purchase_Date',
        type: 'timestamp',
        values: Float64Array.from([
          day('2023-12-31'),
          day('2023-12-01'),
          day('2023-11-01'),
          day('2023-06-01'),
          day('2023-10-01'),
          day('2023-01-01'),
        ]),
      },
      { name: 'Email', type: 'string', values: ['a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x'] },
    ],
  };
}

const TRAIN_ROWS = [0, 1, 2, 3, 4];

describe('fitCustomerTableEncoding', () => {
  it('fits medians, missing indicators and levels on the training rows only, and leaves the label out', () => {
    // Act
    const encoding = fitCustomerTableEncoding(smallTable(), TRAIN_ROWS, AS_OF);

    // Assess
    expect(encoding.columns).toEqual([
      { name: 'Age', kind: 'number', impute: 45, missingIndicator: true },
      { name: 'Gender', kind: 'category', levels: ['F', 'M'] },
      // Days before 2024-01-01 of 12-31, 12-01, 11-01, 06-01, 10-01: median 61.
      { name: 'Last_Purchase_Date', kind: 'date', impute: 61, missingIndicator: false },
    ]);
    expect(customerFeatureNames(encoding)).toEqual([
      'Age',
      'Age:missing',
      'Gender=F',
      'Gender=M',
      'Gender=__other__',
      'Last_Purchase_Date:days_before_as_of',
    ]);
    expect(customerFeatureNames(encoding).some((n) => n.includes('Future_Value'))).toBe(false);
    expect(encoding.ignoredColumns).toEqual([
      { name: 'Email', reason: 'no value repeats on 2 training rows' },
    ]);
  });

  it('caps the vocabulary at the most frequent levels and ignores identifier-like text', () => {
    // Prepare: 400 rows, level i of 30 appears 30 − i times (+ padding), and a unique code per row.
    const levels = Array.from({ length: 400 }, (_, r) => `L${String(r % 30).padStart(2, '0')}`);
    const table: CustomerTable = {
      idColumn: 'id',
      labelColumn: 'y',
      customerIds: levels.map((_, r) => String(r)),
      label: new Float64Array(400),
      columns: [
        { name: 'Region', type: 'string', values: levels.map((l, r) => (r < 100 ? 'L00' : l)) },
        { name: 'Code', type: 'string', values: levels.map((_, r) => `code-${r}`) },
      ],
    };

    // Act
    const encoding = fitCustomerTableEncoding(
      table,
      Array.from({ length: 400 }, (_, r) => r),
      AS_OF,
    );

    // Assess
    const region = encoding.columns[0];
    expect(region?.kind === 'category' && region.levels.length).toBe(MAX_CATEGORY_LEVELS);
    expect(region?.kind === 'category' && region.levels[0]).toBe('L00');
    expect(encoding.ignoredColumns.map((c) => c.name)).toEqual(['Code']);
  });
});

describe('encodeCustomerRow', () => {
  const encoding = fitCustomerTableEncoding(smallTable(), TRAIN_ROWS, AS_OF);

  it('encodes a POST /predict features object: numbers, numeric text, ISO dates, categories', () => {
    // Act
    const x = encodeCustomerRow(encoding, { Age: '41', Gender: 'M', Last_Purchase_Date: '2023-12-22' });

    // Assess
    expect(Array.from(x)).toEqual([41, 0, 0, 1, 0, 10]);
  });

  it('imputes missing values with the training median, flags them, and sends unseen or missing levels to other', () => {
    // Act
    const x = encodeCustomerRow(encoding, { Age: null, Gender: 'Z', Last_Purchase_Date: '' });
    const absent = encodeCustomerRow(encoding, {});

    // Assess
    expect(Array.from(x)).toEqual([45, 1, 0, 0, 1, 61]);
    expect(Array.from(absent)).toEqual([45, 1, 0, 0, 1, 61]);
  });

  it('accepts the id, label and ignored columns without reading them', () => {
    // Act
    const withExtras = encodeCustomerRow(encoding, {
      Customer_ID: 'c1',
      Future_Value: 1e9,
      Email: 'x@y',
      Age: 41,
      Gender: 'M',
      Last_Purchase_Date: Date.parse('2023-12-22T00:00:00Z'),
    });

    // Assess
    expect(Array.from(withExtras)).toEqual([41, 0, 0, 1, 0, 10]);
  });

  it('counts dates before another as-of when given one', () => {
    // Act
    const x = encodeCustomerRow(
      encoding,
      { Last_Purchase_Date: '2023-12-22T12:00:00Z' },
      { asOf: AS_OF + 10 * DAY_MS },
    );

    // Assess
    expect(x[5]).toBeCloseTo(19.5, 5);
  });

  it.each([
    [
      { age: 41 },
      'unknown_column',
      'age',
      /unknown column "age"; the model reads Age, Gender, Last_Purchase_Date/,
    ],
    [{ Age: 'forty' }, 'not_a_number', 'Age', /column "Age" must be a number, got "forty"/],
    [{ Age: Number.POSITIVE_INFINITY }, 'not_a_number', 'Age', /must be a number/],
    [{ Last_Purchase_Date: '22/12/2023' }, 'not_a_date', 'Last_Purchase_Date', /must be a date \(YYYY-MM-DD/],
    [
      { Last_Purchase_Date: '2024-01-01' },
      'date_after_as_of',
      'Last_Purchase_Date',
      /not before the as-of 2024-01-01/,
    ],
    [{ Gender: true }, 'not_a_category', 'Gender', /column "Gender" must be text, got true/],
  ])('refuses %j with %s naming the column', (row, code, column, message) => {
    // Act
    const act = () => encodeCustomerRow(encoding, row as Record<string, string | number | null>);

    // Assess
    expect(act).toThrow(CustomerFeatureError);
    expect(act).toThrow(message);
    try {
      act();
    } catch (e: unknown) {
      expect(e).toMatchObject({ code, column });
    }
  });

  it('refuses features that are not an object', () => {
    expect(() => encodeCustomerRow(encoding, [] as unknown as Record<string, number>)).toThrow(
      expect.objectContaining({ code: 'not_an_object' }),
    );
  });

  it('names the row of a bad request customer', () => {
    const act = () => encodeCustomerRows(encoding, [{ Age: 3 }, { Age: 'x' }]);
    expect(act).toThrow(/^row 1: column "Age" must be a number/);
    expect(act).toThrow(expect.objectContaining({ row: 1, column: 'Age', code: 'not_a_number' }));
  });
});

describe('the encoding in meta.json', () => {
  it('round-trips through JSON and encodes the table exactly as the fitted one does', () => {
    // Prepare
    const table = smallTable();
    const fitted = fitCustomerTableEncoding(table, TRAIN_ROWS, AS_OF);
    const saved = JSON.parse(JSON.stringify(fitted)) as CustomerTableEncoding;
    const scoring = [0, 1, 2, 3, 5];

    // Act
    const before = encodeCustomerTable(fitted, { ...table, columns: table.columns.slice(0, 3) }, scoring);
    const after = encodeCustomerTable(saved, { ...table, columns: table.columns.slice(0, 3) }, scoring);
    const rows = encodeCustomerRows(
      saved,
      scoring.map((r) => ({
        Age: Number.isNaN(table.columns[0]?.values[r] as number)
          ? null
          : (table.columns[0]?.values[r] as number),
        Gender: table.columns[1]?.values[r] as string | null,
        Last_Purchase_Date: new Date(table.columns[2]?.values[r] as number).toISOString().slice(0, 10),
      })),
    );

    // Assess
    expect(saved).toEqual(fitted);
    expect(after.features.values).toEqual(before.features.values);
    expect(rows.values).toEqual(before.features.values);
    expect(Array.from(after.label)).toEqual([10, 0, 35, 0, 900]);
    expect(Array.from(after.features.customers)).toEqual(scoring);
  });

  it('takes the as-of from the end of the latest date in the table', () => {
    expect(new Date(latestDateAsOf(smallTable()) as number).toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});
