import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Chart.js's standalone browser build, inlined into every report so it opens with no network. The file
 * name is shared with scripts/esbuild-plugins.cjs, which copies it next to the bundles that render reports.
 */
export const CHART_JS_FILE = 'chart.umd.min.js';

/** Chart.js is installed, but neither next to the code (a bundle) nor in node_modules. */
export class ChartJsNotFoundError extends Error {
  constructor(searched: readonly string[]) {
    super(`${CHART_JS_FILE} not found in ${searched.join(' nor ')} (copy it next to the bundle)`);
    this.name = 'ChartJsNotFoundError';
  }
}

let source: string | undefined;

/** The text of Chart.js's UMD build: next to the code (Lambda bundle), else in the installed package. */
export function chartJsSource(): string {
  source ??= readFileSync(findChartJs(), 'utf8');
  return source;
}

function findChartJs(): string {
  const candidates = [__dirname];
  try {
    // The package's exports hide dist/chart.umd.min.js, but its main entry sits in the same folder.
    candidates.push(path.dirname(require.resolve('chart.js')));
  } catch {
    // Bundled without node_modules: only the bundle's own directory can hold the file.
  }
  const found = candidates.find((dir) => existsSync(path.join(dir, CHART_JS_FILE)));
  if (!found) throw new ChartJsNotFoundError(candidates);
  return path.join(found, CHART_JS_FILE);
}
