import { describe, expect, it } from 'vitest';
import {
  assertDatasetName,
  championKey,
  datasetPrefixes,
  InvalidDatasetNameError,
  ingestKeys,
  isDatasetName,
  mappingKey,
  metaKey,
  NotAnUploadError,
  parseMetaKey,
  parseNormalizedKey,
  parseUploadKey,
  predictionsKey,
  reportKey,
  uploadKey,
  versionPrefix,
} from '../../../lib/store/bucket-layout';

// The keys are written out here as docs/contracts.md states them: the layout is a contract.
describe('bucket layout', () => {
  it('builds every key of docs/contracts.md', () => {
    expect(uploadKey('shop', '2024/orders.csv.gz')).toBe('uploads/shop/2024/orders.csv.gz');
    expect(mappingKey('shop')).toBe('uploads/shop/_mapping.json');
    expect(ingestKeys('shop', '2024/orders')).toEqual({
      normalized: 'normalized/shop/2024/orders.parquet',
      quarantine: 'quarantine/shop/2024/orders.csv',
      report: 'reports/ingest/shop/2024/orders.json',
      rowHashes: 'reports/ingest/shop/2024/orders.rowhashes',
    });
    expect(championKey('shop')).toBe('models/shop/champion.json');
    expect(versionPrefix('shop', 'v1')).toBe('models/shop/v1');
    expect(metaKey('shop', 'v1')).toBe('models/shop/v1/meta.json');
    expect(predictionsKey('shop', 'v1')).toBe('models/shop/v1/predictions.csv');
    expect(reportKey('shop', 'v1')).toBe('models/shop/v1/report.html');
    expect(datasetPrefixes('shop')).toEqual(['uploads/shop/', 'normalized/shop/', 'models/shop/']);
  });

  it('parses upload keys, and refuses other keys and datasets that are not dataset names', () => {
    expect(parseUploadKey('uploads/shop/2024/orders.csv.gz')).toEqual({
      dataset: 'shop',
      source: '2024/orders',
      gzip: true,
    });
    expect(parseUploadKey('uploads/a.b_c-1/x.CSV')).toEqual({ dataset: 'a.b_c-1', source: 'x', gzip: false });
    for (const key of [
      'uploads/shop/_mapping.json',
      'uploads/shop/_x.csv',
      'uploads/a.csv',
      'uploads/../x.csv',
      'uploads/.hidden/x.csv',
      'uploads/shop/../x.csv',
      `uploads/${'a'.repeat(129)}/x.csv`,
      'normalized/shop/x.parquet',
    ])
      expect(() => parseUploadKey(key), key).toThrow(NotAnUploadError);
  });

  it('parses normalized and meta.json keys', () => {
    expect(parseNormalizedKey('normalized/shop/2024/orders.parquet')).toEqual({
      dataset: 'shop',
      source: '2024/orders',
    });
    expect(parseNormalizedKey('normalized/shop/orders.csv')).toBeUndefined();
    expect(parseMetaKey('models/shop/v1/meta.json')).toEqual({ dataset: 'shop', version: 'v1' });
    expect(parseMetaKey('models/shop/champion.json')).toBeUndefined();
  });

  it('has one rule for dataset names', () => {
    expect(['default', 'shop-2', 'a.b_c', 'A', 'a'.repeat(128)].every(isDatasetName)).toBe(true);
    expect(['', '.', '..', '_x', '-x', 'a/b', 'a b', 'a'.repeat(129), 42].some(isDatasetName)).toBe(false);
    expect(() => assertDatasetName('../x')).toThrow(InvalidDatasetNameError);
    expect(() => assertDatasetName('../x')).toThrow(`"dataset" must be a name of letters, digits`);
  });
});
