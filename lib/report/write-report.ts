import type { ModelMeta } from '../registry/model-meta';
import type { BlobStore } from '../store/blob-store';
import { reportKey } from '../store/bucket-layout';
import { renderReport } from './render-report';
import { type ReportSummaries, trainingReportData } from './report-data';

/**
 * Render a model version's report.html from its meta.json and the summaries of its validation window and
 * batch scores (lib/report/report-data.ts reportSummaries), and store it next to meta.json. Returns its key.
 */
export async function writeModelReport(
  store: BlobStore,
  meta: ModelMeta,
  summaries: ReportSummaries,
  generatedAt: string,
): Promise<string> {
  const key = reportKey(meta.dataset, meta.version);
  const html = renderReport(trainingReportData(meta, summaries, generatedAt));
  await store.put(key, html, { contentType: 'text/html; charset=utf-8' });
  return key;
}
