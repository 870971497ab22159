import { describe, expect, it } from 'vitest';
import { SqlFileError, sqlQuery } from '../../../lib/engine/sql-file';

describe('sqlQuery', () => {
  it('reads a query of sql/ by its name, folders included', () => {
    expect(sqlQuery('customer-features')).toMatch(/^-- Per-customer features/);
    expect(sqlQuery('load/value-codes')).toContain('CREATE TEMP TABLE value_codes');
  });

  it('refuses a name that could leave sql/, and says where it looked for a missing one', () => {
    expect(() => sqlQuery('../package')).toThrow(SqlFileError);
    expect(() => sqlQuery('Customer_Features')).toThrow(/not a query name/);
    expect(() => sqlQuery('no-such-query')).toThrow(/sql\/no-such-query\.sql is in none of/);
  });
});
