import type { Metrics } from '../lib/evaluate/metrics';

/** The benchmark's metrics, in the order tables show them. */
export const METRIC_COLUMNS: (keyof Metrics)[] = [
  'gini',
  'spearman',
  'decileMape',
  'mae',
  'rmse',
  'top10Share',
  'aucReturn',
  'totalRatio',
];

/** One row of a metrics table: a system's name, its metrics, and optional trailing cells (e.g. seconds). */
export interface MetricsRow {
  name: string;
  metrics: Partial<Metrics>;
  extra?: string[];
}

/** A fixed-width table: one row per system, one column per metric, then `extraHeader` columns. */
export function metricsTable(rows: MetricsRow[], extraHeader: string[] = []): string {
  const header = ['system', ...METRIC_COLUMNS, ...extraHeader];
  const cells = rows.map((r) => [
    r.name,
    ...METRIC_COLUMNS.map((m) => formatMetric(r.metrics[m])),
    ...(r.extra ?? []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => (r[c] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

function formatMetric(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return 'n/a';
  return Math.abs(value) >= 100 ? value.toFixed(2) : value.toFixed(3);
}
