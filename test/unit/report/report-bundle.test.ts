import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const plugins: Plugin[] = require(path.join(root, 'scripts/esbuild-plugins.cjs'));

/** A Lambda-like bundle that renders a report: one esbuild file, no node_modules anywhere above it. */
const ENTRY = `import { renderReport } from './lib/report/render-report';
import { backtestReportData } from './lib/report/report-data';
const actual = Float32Array.of(0, 5, 1, 0);
const metrics = { gini: 1, spearman: 1, decileMape: 0, mae: 0, rmse: 0, top10Share: 1, aucReturn: 1, totalRatio: 1 };
const html = renderReport(backtestReportData({ cutoff: '2024-01-31', horizonDays: 30, customers: 4,
  customerIds: ['a', 'b', 'c', 'd'], returningShare: 0.5, actual, featureSeconds: 0,
  systems: [{ name: 'model', metrics, seconds: 0, predictions: actual }] }, undefined, '2024-03-01T00:00:00Z'));
console.log(html.includes('Chart.js v4') ? 'chart inlined' : 'chart missing');`;

async function bundle(dir: string, withPlugins: boolean): Promise<void> {
  await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outdir: dir,
    logLevel: 'silent',
    plugins: withPlugins ? plugins : [],
  });
}

const runIn = (dir: string) =>
  run(process.execPath, [path.join(dir, 'stdin.js')], { env: { ...process.env, NODE_PATH: '' } });

describe('the report in an esbuild bundle', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'valuecast-report-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('inlines Chart.js that the plugin copied next to the bundle', async () => {
    // Prepare
    const out = path.join(dir, 'with-plugin');
    await bundle(out, true);

    // Act
    const { stdout } = await runIn(out);

    // Assess
    expect(await readdir(out)).toContain('chart.umd.min.js');
    expect(stdout.trim()).toBe('chart inlined');
  });

  it('fails with a clear error, not a blank chart, when the file was not copied', async () => {
    // Prepare
    const out = path.join(dir, 'without-plugin');
    await bundle(out, false);

    // Act / Assess
    await expect(runIn(out)).rejects.toThrow(/chart\.umd\.min\.js not found in .*copy it next to the bundle/);
  });
});
