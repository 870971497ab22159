import type { IngestReport } from '../ingest';
import { type BlobStore, getJson } from '../store/blob-store';
import { ingestReportsPrefix, isIngestReportKey } from '../store/bucket-layout';

/** Counts of the ingest reports behind the data (what was read, rejected and why). */
export interface DataQualitySummary {
  sources: number;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rejectedByReason: Record<string, number>;
  duplicateRows: { withinFile: number; acrossFiles: number };
  failedSources: { source: string; reason: string }[];
}

/** Sum the ingest reports of a dataset's sources into the summary meta.json and reports show. */
export function summarizeIngestReports(reports: readonly IngestReport[]): DataQualitySummary {
  const summary: DataQualitySummary = {
    sources: reports.length,
    rowsRead: 0,
    rowsAccepted: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    duplicateRows: { withinFile: 0, acrossFiles: 0 },
    failedSources: [],
  };
  for (const r of reports) {
    summary.rowsRead += r.rowsRead;
    summary.rowsAccepted += r.rowsAccepted;
    summary.rowsRejected += r.rowsRejected;
    for (const [reason, n] of Object.entries(r.rejectedByReason))
      summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + n;
    summary.duplicateRows.withinFile += r.duplicateRows?.withinFile ?? 0;
    summary.duplicateRows.acrossFiles += r.duplicateRows?.acrossFiles ?? 0;
    if (r.status === 'failed')
      summary.failedSources.push({ source: r.sourceKey ?? r.source, reason: r.failureReason ?? 'failed' });
  }
  return summary;
}

/** The ingest reports of a dataset (`reports/ingest/<dataset>/*.json`). */
export async function loadIngestReports(store: BlobStore, dataset: string): Promise<IngestReport[]> {
  const reports: IngestReport[] = [];
  for await (const info of store.list(ingestReportsPrefix(dataset))) {
    if (!isIngestReportKey(info.key)) continue;
    const report = await getJson<IngestReport>(store, info.key);
    if (report) reports.push(report);
  }
  return reports;
}
