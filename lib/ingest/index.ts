export {
  type ColumnMapping,
  ColumnMappingError,
  parseColumnMapping,
  validateColumnMapping,
} from './column-mapping';
export type { IngestReport, IngestSchema } from './ingest-core';
export {
  type IngestStreamOptions,
  ingestStream,
  ingestStreams,
  TRANSACTION_PARQUET_COLUMNS,
} from './ingest-source';
export { ingestUpload } from './ingest-upload';
export {
  expandInputPaths,
  type LoadOptions,
  loadTransactionsFromFiles,
  SourceFailedError,
  sourceNameOf,
} from './load-files';
export { loadNormalizedTransactions } from './load-normalized';
export type { TransactionTable } from './transaction-table';
