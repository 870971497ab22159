import type { BlobStore } from '../store/blob-store';
import { type ModelMeta, reportKey } from '../training/artifacts';
import { renderReport } from './render-report';
import { type EvaluationArrays, type ScoredCustomers, trainingReportData } from './report-data';

/**
 * Render a model version's report.html from its meta.json, the validation window's arrays and the batch
 * scores, and store it next to meta.json. Returns its key.
 */
export async function writeModelReport(
  store: BlobStore,
  meta: ModelMeta,
  evaluation: EvaluationArrays,
  scored: ScoredCustomers,
  generatedAt: string,
): Promise<string> {
  const key = reportKey(meta.dataset, meta.version);
  const html = renderReport(trainingReportData(meta, evaluation, scored, generatedAt));
  await store.put(key, html, { contentType: 'text/html; charset=utf-8' });
  return key;
}
