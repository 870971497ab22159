import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InconsistentCustomerTableError,
  loadCustomerTableFromFiles,
  loadCustomerTableToScore,
  loadInputFiles,
  MISSING_MODEL_COLUMNS,
} from '../../../lib/ingest/load-customer-table';

const fixture = path.join(__dirname, '../../fixtures/ingest/customer-table.csv');

describe('loadInputFiles', () => {
  it('reads the fixture as a customer table: typed columns, rejected rows counted, the label apart', async () => {
    // Act
    const input = await loadInputFiles([fixture]);

    // Assess
    expect(input.kind).toBe('customer-table');
    if (input.kind !== 'customer-table') return;
    const { table, reports } = input;
    expect(reports[0]).toMatchObject({
      rowsRead: 6,
      rowsAccepted: 3,
      rejectedByReason: { missing_target: 1, unparseable_target: 1, duplicate_customer_id: 1 },
    });
    expect(table.customerIds).toEqual(['1', '2', '5']);
    expect(table.idColumn).toBe('Customer_ID');
    expect(table.labelColumn).toBe('Future_Value');
    expect(Array.from(table.label)).toEqual([640.5, 80, 210]);
    expect(table.columns.map((c) => [c.name, c.type])).toEqual([
      ['Age', 'double'],
      ['Gender', 'string'],
      ['Purchase_Frequency', 'double'],
      ['Average_Spending', 'double'],
      ['Last_Purchase_Date', 'timestamp'],
    ]);
    expect(table.columns[1]?.values).toEqual(['F', 'M', null]);
    expect(table.columns[4]?.values[2]).toBe(Date.parse('2023-09-09T00:00:00Z'));
  });

  it('reads transaction files as transactions', async () => {
    const input = await loadInputFiles([path.join(__dirname, '../../fixtures/ingest/comma.csv')]);
    expect(input.kind).toBe('transactions');
  });
});

describe('loadCustomerTableFromFiles', () => {
  it('refuses two tables that share a customer, and tables with different columns', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-ct-load-'));
    await copyFile(fixture, path.join(dir, 'a.csv'));
    await copyFile(fixture, path.join(dir, 'b.csv'));
    const other = await mkdtemp(path.join(tmpdir(), 'valuecast-ct-load-'));
    await copyFile(fixture, path.join(other, 'a.csv'));
    await writeFile(path.join(other, 'b.csv'), 'Customer_ID,Age,Future_Value\n9,40,12\n');

    // Act / Assess
    await expect(loadCustomerTableFromFiles([dir])).rejects.toThrow(
      /customer 1 is in both .*a\.csv and .*b\.csv/,
    );
    await expect(loadCustomerTableFromFiles([other])).rejects.toThrow(InconsistentCustomerTableError);
    await expect(loadCustomerTableFromFiles([other])).rejects.toThrow(/have different columns/);
    await rm(dir, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });

  it('reports a transaction file as not a customer table', async () => {
    const { table, reports } = await loadCustomerTableFromFiles([
      path.join(__dirname, '../../fixtures/ingest/comma.csv'),
    ]);
    expect(table).toBeUndefined();
    expect(reports[0]).toMatchObject({ status: 'failed', failureCode: 'not_a_customer_table' });
  });
});

describe('loadCustomerTableToScore', () => {
  it('reports a file that lacks a column the model reads, saying when it looks like a transaction log', async () => {
    // Prepare
    const orders = path.join(__dirname, '../../fixtures/ingest/comma.csv');

    // Act
    const { table, reports } = await loadCustomerTableToScore([fixture, orders], ['Age', 'Gender', 'Tenure']);

    // Assess
    expect(table).toBeUndefined();
    expect(reports.map((r) => [r.status, r.failureCode])).toEqual([
      ['failed', MISSING_MODEL_COLUMNS],
      ['failed', MISSING_MODEL_COLUMNS],
    ]);
    expect(reports[0]?.failureReason).toBe('this file lacks column(s) the model reads: Tenure');
    expect(reports[1]?.failureReason).toBe(
      'this file lacks column(s) the model reads: Age, Gender, Tenure; it looks like a transaction log (order_date, total), not a customer table (one row per customer)',
    );
  });

  it('reads a labelled table without its label: rows with a blank or bad label are read, the label an ordinary column', async () => {
    // Act
    const { table, reports } = await loadCustomerTableToScore([fixture], ['Age', 'Last_Purchase_Date']);

    // Assess
    expect(reports[0]).toMatchObject({
      kind: 'customer-table',
      status: 'ok',
      rowsAccepted: 5,
      rejectedByReason: { duplicate_customer_id: 1 },
    });
    expect(reports[0]?.schema.columns?.target).toBeUndefined();
    expect(table?.customerIds).toEqual(['1', '2', '3', '4', '5']);
    expect(table && 'label' in table).toBe(false);
    expect(table?.columns.map((c) => c.name)).toEqual([
      'Age',
      'Gender',
      'Purchase_Frequency',
      'Average_Spending',
      'Last_Purchase_Date',
      'Future_Value',
    ]);
  });

  it('reads a table that has no label column at all', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'valuecast-ct-score-'));
    const unlabelled = path.join(dir, 'unlabelled.csv');
    await writeFile(unlabelled, 'Customer_ID,Age,Last_Purchase_Date\nA,40,2023-01-02\nB,,2023-03-04\n');

    // Act
    const { table, reports } = await loadCustomerTableToScore([unlabelled], ['Age', 'Last_Purchase_Date']);

    // Assess
    expect(reports[0]).toMatchObject({ kind: 'customer-table', status: 'ok', rowsAccepted: 2 });
    expect(table?.customerIds).toEqual(['A', 'B']);
    expect(table?.columns.map((c) => [c.name, c.type])).toEqual([
      ['Age', 'double'],
      ['Last_Purchase_Date', 'timestamp'],
    ]);
    await rm(dir, { recursive: true, force: true });
  });
});
