/**
 * The bucket layout (docs/contracts.md "Bucket layout"): every key valuecast reads or writes is built or
 * parsed here, and here is the one rule for dataset names. A directory of the CLI (`--out`, `--model-dir`)
 * has the same layout.
 *
 * ```
 * uploads/<dataset>/<name>.csv[.gz]                  uploads/<dataset>/_mapping.json
 * normalized/<dataset>/<source>.parquet              quarantine/<dataset>/<source>.csv
 * reports/ingest/<dataset>/<source>.json             reports/ingest/<dataset>/<source>.rowhashes
 * models/<dataset>/<version>/{model.json,weights.bin,meta.json,report.html,predictions.csv}
 * models/<dataset>/champion.json
 * ```
 */

/**
 * A dataset name: 1–128 letters, digits, `.`, `_` or `-`, starting with a letter or digit. It is one path
 * segment of every key, so it can hold no `/` and cannot be `.` or `..`.
 */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `name` is a dataset name ({@link DATASET_NAME}). */
export function isDatasetName(name: unknown): name is string {
  return typeof name === 'string' && DATASET_NAME.test(name);
}

/** The dataset name is not one valuecast could have created from an upload key. */
export class InvalidDatasetNameError extends Error {
  constructor(dataset: unknown) {
    super(`"dataset" must be a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(dataset)}`);
    this.name = 'InvalidDatasetNameError';
  }
}

/** @throws InvalidDatasetNameError unless `dataset` is a dataset name ({@link DATASET_NAME}) */
export function assertDatasetName(dataset: unknown): asserts dataset is string {
  if (!isDatasetName(dataset)) throw new InvalidDatasetNameError(dataset);
}

/** A key that is not `uploads/<dataset>/<name>.csv[.gz]`: nothing to ingest. */
export class NotAnUploadError extends Error {
  constructor(readonly key: string) {
    super(`${key} is not an upload: expected uploads/<dataset>/<name>.csv or .csv.gz`);
    this.name = 'NotAnUploadError';
  }
}

const UPLOAD_KEY = /^uploads\/([^/]+)\/((?:[^/]+\/)*[^/]+?)\.csv(\.gz)?$/i;

/**
 * Dataset and source of an upload key (`uploads/shop/2024/orders.csv.gz` → `shop`, `2024/orders`). Names
 * starting with `_` (`_mapping.json`) are not uploads.
 * @throws NotAnUploadError for any other key, and for a dataset segment that is not a dataset name
 */
export function parseUploadKey(key: string): { dataset: string; source: string; gzip: boolean } {
  const m = UPLOAD_KEY.exec(key);
  if (
    !m?.[1] ||
    !m[2] ||
    !isDatasetName(m[1]) ||
    m[2].startsWith('_') ||
    m[2].split('/').some((s) => s === '..' || s === '.')
  ) {
    throw new NotAnUploadError(key);
  }
  return { dataset: m[1], source: m[2], gzip: m[3] !== undefined };
}

/** `uploads/<dataset>/`: the dataset's raw exports (never written by valuecast). */
export const uploadsPrefix = (dataset: string): string => `uploads/${dataset}/`;

/** `uploads/<dataset>/<fileName>`: where an export named `fileName` (`orders.csv`, `2024/orders.csv.gz`) is uploaded. */
export const uploadKey = (dataset: string, fileName: string): string =>
  `${uploadsPrefix(dataset)}${fileName}`;

/** `uploads/<dataset>/_mapping.json`: the dataset's optional explicit column mapping. */
export const mappingKey = (dataset: string): string => `${uploadsPrefix(dataset)}_mapping.json`;

/** Keys of everything ingestion writes for one source. */
export function ingestKeys(dataset: string, source: string) {
  return {
    normalized: `${normalizedPrefix(dataset)}${source}.parquet`,
    quarantine: `quarantine/${dataset}/${source}.csv`,
    report: `${ingestReportsPrefix(dataset)}${source}.json`,
    rowHashes: `${ingestReportsPrefix(dataset)}${source}.rowhashes`,
  };
}

/** `normalized/` (every dataset), or `normalized/<dataset>/`. */
export const normalizedPrefix = (dataset?: string): string =>
  dataset === undefined ? 'normalized/' : `normalized/${dataset}/`;

/** Dataset and source of `normalized/<dataset>/<source>.parquet`; `undefined` for any other key. */
export function parseNormalizedKey(key: string): { dataset: string; source: string } | undefined {
  const m = /^normalized\/([^/]+)\/(.+)\.parquet$/.exec(key);
  return m ? { dataset: m[1] as string, source: m[2] as string } : undefined;
}

/** `reports/ingest/<dataset>/`: the dataset's ingest reports and row-hash lists. */
export const ingestReportsPrefix = (dataset: string): string => `reports/ingest/${dataset}/`;

/** Whether a key under {@link ingestReportsPrefix} is an ingest report (`<source>.json`). */
export const isIngestReportKey = (key: string): boolean => key.endsWith('.json');

/** Whether a key under {@link ingestReportsPrefix} is a source's row-hash list (`<source>.rowhashes`). */
export const isRowHashesKey = (key: string): boolean => key.endsWith('.rowhashes');

/** Files of a model version under `models/<dataset>/<version>/`. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const META_FILE = 'meta.json';
export const PREDICTIONS_FILE = 'predictions.csv';
export const REPORT_FILE = 'report.html';

/** `models/<dataset>/`: the dataset's model versions and its champion pointer. */
export const modelsPrefix = (dataset: string): string => `models/${dataset}/`;

/** `models/<dataset>/champion.json`: the pointer the predictor follows. */
export const championKey = (dataset: string): string => `${modelsPrefix(dataset)}champion.json`;

/** `models/<dataset>/<version>`: where one model version's files are. */
export const versionPrefix = (dataset: string, version: string): string =>
  `${modelsPrefix(dataset)}${version}`;

/** `<prefix>/<file>`: a file of the model under `prefix` (a {@link versionPrefix}, or any prefix in tests). */
export const modelFileKey = (prefix: string, file: string): string => `${prefix}/${file}`;

export const metaKey = (dataset: string, version: string): string =>
  modelFileKey(versionPrefix(dataset, version), META_FILE);
export const predictionsKey = (dataset: string, version: string): string =>
  modelFileKey(versionPrefix(dataset, version), PREDICTIONS_FILE);
export const reportKey = (dataset: string, version: string): string =>
  modelFileKey(versionPrefix(dataset, version), REPORT_FILE);

/** Dataset and version of `models/<dataset>/<version>/meta.json`; `undefined` for any other key. */
export function parseMetaKey(key: string): { dataset: string; version: string } | undefined {
  const m = /^models\/([^/]+)\/([^/]+)\/meta\.json$/.exec(key);
  return m ? { dataset: m[1] as string, version: m[2] as string } : undefined;
}

/** The prefixes under which anything of a dataset exists: its uploads, normalized data and models. */
export const datasetPrefixes = (dataset: string): string[] => [
  uploadsPrefix(dataset),
  normalizedPrefix(dataset),
  modelsPrefix(dataset),
];
