import { loadNormalizedTransactions } from '../ingest';
import { inputKindOfReports, loadNormalizedCustomerTable } from '../ingest/load-customer-table';
import { CorruptChampionError, readChampion } from '../registry/champion';
import { loadIngestReports } from '../registry/data-quality';
import { readMeta } from '../registry/model-meta';
import { latestVersion } from '../registry/model-versions';
import type { BlobStore } from '../store/blob-store';
import {
  assertDatasetName,
  normalizedPrefix,
  parseNormalizedKey,
  uploadsPrefix,
} from '../store/bucket-layout';
import { normalizedDataFingerprint } from './data-fingerprint';
import { type TrainCustomerTableResult, trainCustomerTable } from './train-customer-table';
import { type TrainDatasetOptions, type TrainDatasetResult, trainDataset } from './train-dataset';

/** The dataset has no normalized data in the bucket (never uploaded, misspelt, or nothing ingested yet). */
export class UnknownDatasetError extends Error {
  constructor(dataset: string) {
    super(
      `dataset "${dataset}" has no normalized data (${normalizedPrefix(dataset)}*.parquet): upload order files (or a labelled customer table) under ${uploadsPrefix(dataset)} first`,
    );
    this.name = 'UnknownDatasetError';
  }
}

/** The datasets that have at least one normalized file (`normalized/<dataset>/…`). */
export async function datasetsWithNormalizedData(store: BlobStore): Promise<string[]> {
  const datasets = new Set<string>();
  for await (const blob of store.list(normalizedPrefix())) {
    const normalized = parseNormalizedKey(blob.key);
    if (normalized) datasets.add(normalized.dataset);
  }
  return [...datasets].sort();
}

/**
 * Why a scheduled run may skip a dataset: its normalized data has the fingerprint of the data its champion,
 * or its latest (possibly not promoted) version, was trained on. `undefined`: the data changed (or the
 * champion pointer is corrupt), train it.
 */
export async function unchangedReason(
  store: BlobStore,
  dataset: string,
  fingerprint: string,
): Promise<string | undefined> {
  let champion: Awaited<ReturnType<typeof readChampion>>;
  try {
    champion = await readChampion(store, dataset);
  } catch (e: unknown) {
    // A corrupt pointer serves nothing: train, and the new version replaces it (champion.ts).
    if (e instanceof CorruptChampionError) return undefined;
    throw e;
  }
  if (champion) {
    const meta = await readMeta(store, dataset, champion.pointer.version);
    if (meta?.dataFingerprint === fingerprint)
      return `data unchanged since the champion ${champion.pointer.version}`;
  }
  const latest = await latestVersion(store, dataset);
  if (latest && latest !== champion?.pointer.version) {
    const meta = await readMeta(store, dataset, latest);
    if (meta?.dataFingerprint === fingerprint)
      return `data unchanged since version ${latest} (not promoted: ${meta.promotion.reason})`;
  }
  return undefined;
}

/**
 * Train one dataset of the bucket: its normalized Parquet, fingerprinted by the files' etags, with its
 * ingest reports summarized into meta.json; models go to `models/<dataset>/…` of the same store. The
 * ingest reports say what the sources are: transaction logs train through {@link trainDataset}, a
 * labelled customer table through {@link trainCustomerTable}.
 * @throws UnknownDatasetError when the dataset has no normalized data
 * @throws MixedInputKindsError when its sources hold both transactions and customer tables
 */
export async function trainStoredDataset(
  store: BlobStore,
  dataset: string,
  options: Pick<TrainDatasetOptions, 'horizonDays' | 'asOf' | 'fit' | 'onProgress'> & {
    fingerprint?: { fingerprint: string; files: number };
  } = {},
): Promise<TrainDatasetResult | TrainCustomerTableResult> {
  assertDatasetName(dataset);
  const { fingerprint, files } = options.fingerprint ?? (await normalizedDataFingerprint(store, dataset));
  if (files === 0) throw new UnknownDatasetError(dataset);
  const started = performance.now();
  const ingestReports = await loadIngestReports(store, dataset);
  const common = {
    store,
    dataset,
    dataFingerprint: fingerprint,
    ingestReports,
    asOf: options.asOf,
    fit: options.fit,
    onProgress: options.onProgress,
  };
  if (inputKindOfReports(ingestReports) === 'customer-table') {
    const table = await loadNormalizedCustomerTable(store, ingestReports);
    if (!table) throw new UnknownDatasetError(dataset);
    return trainCustomerTable({ ...common, table, loadSeconds: (performance.now() - started) / 1000 });
  }
  const table = await loadNormalizedTransactions(store, dataset);
  const loadSeconds = (performance.now() - started) / 1000;
  if (table.length === 0) throw new UnknownDatasetError(dataset);
  return trainDataset({ ...common, table, loadSeconds, horizonDays: options.horizonDays });
}
