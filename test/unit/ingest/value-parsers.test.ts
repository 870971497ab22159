import { describe, expect, it } from 'vitest';
import { normalizeCustomerId, parseDate, parseNumber } from '../../../lib/ingest/value-parsers';

describe('parseNumber', () => {
  it('reads point-decimal numbers with thousands separators, signs and currency', () => {
    expect(parseNumber('12.50', '.')).toBe(12.5);
    expect(parseNumber('-2.5', '.')).toBe(-2.5);
    expect(parseNumber('1,234.56', '.')).toBe(1234.56);
    expect(parseNumber('$ 7.00', '.')).toBe(7);
    expect(parseNumber('12.50-', '.')).toBe(-12.5);
  });

  it('reads comma-decimal numbers', () => {
    expect(parseNumber('1.234,56', ',')).toBe(1234.56);
    expect(parseNumber('-3,00', ',')).toBe(-3);
  });

  it('returns NaN for text that is not a number, never 0', () => {
    for (const text of ['', ' ', 'lots', '0x10', '1.2.3', 'Infinity'])
      expect(parseNumber(text, '.')).toBeNaN();
  });
});

describe('parseDate', () => {
  it('reads ISO dates and datetimes as UTC unless a zone is given', () => {
    expect(parseDate('2024-01-05', 'iso')).toBe(Date.UTC(2024, 0, 5));
    expect(parseDate('2024-01-05 10:30:15', 'iso')).toBe(Date.UTC(2024, 0, 5, 10, 30, 15));
    expect(parseDate('2024-01-05T10:30:15.250Z', 'iso')).toBe(Date.UTC(2024, 0, 5, 10, 30, 15, 250));
    expect(parseDate('2024-01-05T10:30:00+02:00', 'iso')).toBe(Date.UTC(2024, 0, 5, 8, 30));
  });

  it('reads YYYYMMDD, day-first, month-first and epochs', () => {
    expect(parseDate('19970101', 'ymd')).toBe(Date.UTC(1997, 0, 1));
    expect(parseDate('25/06/2024 14:05', 'dmy')).toBe(Date.UTC(2024, 5, 25, 14, 5));
    expect(parseDate('12/1/2010 8:26', 'mdy')).toBe(Date.UTC(2010, 11, 1, 8, 26));
    expect(parseDate('13.02.24', 'dmy')).toBe(Date.UTC(2024, 1, 13));
    expect(parseDate('1704448800', 'epoch-s')).toBe(1704448800000);
    expect(parseDate('1704448800123', 'epoch-ms')).toBe(1704448800123);
  });

  it('rejects impossible dates instead of rolling them over', () => {
    expect(parseDate('2011-02-30', 'iso')).toBeNaN();
    expect(parseDate('19971301', 'ymd')).toBeNaN();
    expect(parseDate('25/06/2024', 'mdy')).toBeNaN();
    expect(parseDate('not a date', 'iso')).toBeNaN();
  });
});

describe('normalizeCustomerId', () => {
  it('drops the .0 of float-like ids, trims, and keeps zero padding', () => {
    expect(normalizeCustomerId('17850.0')).toBe('17850');
    expect(normalizeCustomerId(' 00001 ')).toBe('00001');
    expect(normalizeCustomerId('17850.5')).toBe('17850.5');
    expect(normalizeCustomerId('')).toBe('');
  });
});
