import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureGroups } from '../../../lib/evaluate/feature-importance';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { readMeta, type TransactionModelMeta } from '../../../lib/registry/model-meta';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { trainCustomerTable } from '../../../lib/training/train-customer-table';
import { type TrainDatasetResult, trainDataset } from '../../../lib/training/train-dataset';
import { generatedTable } from '../customer-table/generated-table';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const INSTALL_HINT = `${CHROMIUM} not found: install Debian's chromium (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH; .ci/run installs it when it runs as root`;
const SCREENSHOT = path.join(tmpdir(), 'valuecast-report.png');
const TABLE_SCREENSHOT = path.join(tmpdir(), 'valuecast-customer-table-report.png');
/** Every customer id carries markup: the page must show it as text and never run it. */
const HOSTILE_PREFIX = '<img src=x onerror=window.__injected=1>';

/** Run in the page (browser JavaScript, as text: this project's types have no DOM). */
const PAGE_STATE = `(() => {
  const canvases = Array.from(document.querySelectorAll('canvas'), (canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return { id: canvas.id, width: canvas.width, inkedPixels: inked };
  });
  return {
    charts: Object.keys(window.Chart.instances).length,
    canvases,
    systems: Array.from(document.querySelectorAll('#metrics-table tbody tr'), (tr) => tr.getAttribute('data-system')),
    firstCustomer: document.querySelector('#top-customers td.id')?.textContent ?? '',
    images: document.images.length,
    injected: window.__injected,
    segments: Array.from(document.querySelectorAll('#segments tr[data-segment]'), (tr) => tr.getAttribute('data-segment')),
    matrixCells: document.querySelectorAll('#p-alive-matrix td.heat').length,
    coverageRows: document.querySelectorAll('#interval-coverage tr').length,
  };
})()`;

if (!HAVE_CHROMIUM) console.warn(`report browser test skipped: ${INSTALL_HINT}`);

/** What the page reports about itself once its scripts ran. */
interface PageState {
  charts: number;
  canvases: { id: string; width: number; inkedPixels: number }[];
  systems: string[];
  firstCustomer: string;
  images: number;
  injected: unknown;
  segments: string[];
  matrixCells: number;
  coverageRows: number;
}

let dir: string;
let store: FsBlobStore;
let result: TrainDatasetResult;

beforeAll(async () => {
  // Prepare: a generated shop with dirty lines, read and trained the way `valuecast train` does.
  dir = await mkdtemp(path.join(tmpdir(), 'valuecast-report-browser-'));
  const csv = orderLogCsv({ customers: 500, seed: 11, days: 730, dirtyRate: 0.01 }).replace(
    /,C(\d+),/g,
    `,${HOSTILE_PREFIX}C$1,`,
  );
  const file = path.join(dir, 'orders.csv');
  await writeFile(file, csv);
  const { table, reports } = await loadTransactionsFromFiles([file]);
  store = new FsBlobStore(path.join(dir, 'models'));
  result = await trainDataset({
    store,
    dataset: 'shop',
    table,
    dataFingerprint: 'sha256:test',
    ingestReports: reports,
    fit: { epochs: 2, members: 1 },
  });
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('training', () => {
  it('writes report.html beside meta.json, and the permutation importance of every feature into meta.json', async () => {
    // Assess
    expect(result.reportKey).toBe(`${result.prefix}/report.html`);
    expect((await store.head(result.reportKey))?.size).toBeGreaterThan(200_000);
    const meta = await readMeta(store, 'shop', result.version);
    const importance = meta?.featureImportance;
    expect(importance?.rows).toBe(meta?.evaluation?.customers);
    expect(importance?.features.map((f) => f.name).sort()).toEqual(
      featureGroups(meta?.featureNames ?? [])
        .map((g) => g.name)
        .sort(),
    );
    // The BG/NBD + Gamma-Gamma expectation is the strongest signal of a generated (BTYD-like) shop.
    expect(importance?.features[0]?.name).toBe('bgnbd_gg_expected_spend');
    // The shop's predicted total with its 80% interval.
    const html = (await getText(store, result.reportKey)) ?? '';
    const interval = /80% interval of the total ([\d,.]+) – ([\d,.]+)/.exec(html);
    const money = (text: string | undefined) => Number((text ?? '').replaceAll(',', ''));
    const forecast = (meta as TransactionModelMeta | undefined)?.forecast;
    expect(money(interval?.[1])).toBeCloseTo(forecast?.low ?? Number.NaN, 1);
    expect(money(interval?.[2])).toBeCloseTo(forecast?.high ?? Number.NaN, 1);
  });
});

/** Open a report in headless chromium: what it logged and requested, and its state once its scripts ran. */
async function openReport(
  browser: BrowserContext,
  file: string,
  screenshot: string,
): Promise<{ consoleErrors: string[]; requests: string[]; state: PageState }> {
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const tab = await browser.newPage();
  tab.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
  });
  tab.on('pageerror', (error) => consoleErrors.push(error.message));
  tab.on('request', (request) => requests.push(request.url()));
  await tab.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await tab.screenshot({ path: screenshot, fullPage: true });
  const state = (await tab.evaluate(PAGE_STATE)) as PageState;
  await tab.close();
  return { consoleErrors, requests, state };
}

describe.skipIf(!HAVE_CHROMIUM)(`report.html in headless chromium (${CHROMIUM})`, () => {
  let browser: BrowserContext;
  let page: string;
  let opened: Awaited<ReturnType<typeof openReport>>;
  let state: PageState;

  beforeAll(async () => {
    page = path.join(dir, 'models', result.reportKey);

    // Act: open the file with the network cut off by nothing but the page itself.
    browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    opened = await openReport(browser, page, SCREENSHOT);
    state = opened.state;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors or page errors, and requests nothing but the file itself', () => {
    // Assess
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests).toEqual([pathToFileURL(page).href]);
  });

  it('draws every chart: a Chart.js instance per canvas, each with pixels on it', () => {
    // Assess
    expectEveryChartInked(state, [...CHARTS, 'chart-tracking']);
  });

  it('shows the per-customer outlook: the tracking plot, the P(alive) matrix, the coverage and the segments', () => {
    // Assess
    expect(state.canvases.map((c) => c.id)).toContain('chart-tracking');
    expect(state.matrixCells).toBeGreaterThan(20);
    expect(state.coverageRows).toBe(5);
    expect(state.segments).toEqual(['new', 'lapsed', 'at_risk', 'top_value', 'growing', 'steady']);
  });

  it('has the model and every baseline in the metrics table', () => {
    // Assess
    expect(state.systems).toEqual(['model', 'seed_mlp', 'bgnbd_gammagamma', 'linear', 'last_window']);
  });

  it('shows hostile customer ids as text and runs none of them', () => {
    // Assess
    expect(state.firstCustomer.startsWith(HOSTILE_PREFIX)).toBe(true);
    expect(state.images).toBe(0);
    expect(state.injected).toBeUndefined();
    console.log(`report screenshot: ${SCREENSHOT}`);
  });

  it('draws a customer-table model report (no time window, no BG/NBD, importance per column) without errors', async () => {
    // Prepare
    const { dir: tableDir, table } = await generatedTable(300, 5);
    const trained = await trainCustomerTable({
      store,
      dataset: 'crm',
      table,
      dataFingerprint: 'sha256:table',
      fit: { epochs: 2, members: 1 },
    });
    await rm(tableDir, { recursive: true, force: true });
    const file = path.join(dir, 'models', trained.reportKey);

    // Act
    const tableReport = await openReport(browser, file, TABLE_SCREENSHOT);

    // Assess
    expect(tableReport.consoleErrors).toEqual([]);
    expect(tableReport.requests).toEqual([pathToFileURL(file).href]);
    expectEveryChartInked(tableReport.state, CHARTS);
    expect(tableReport.state.segments).toEqual([]);
    expect(tableReport.state.systems).toEqual(['model', 'seed_mlp', 'linear']);
    console.log(`customer-table report screenshot: ${TABLE_SCREENSHOT}`);
  }, 120_000);

  it('draws the report of a model trained without an out-of-time evaluation (too short a history) without errors', async () => {
    // Prepare: the same two years with a 400-day horizon: one window to learn from, none to judge on.
    const { table } = await loadTransactionsFromFiles([path.join(dir, 'orders.csv')]);
    const trained = await trainDataset({
      store,
      dataset: 'young',
      table,
      dataFingerprint: 'sha256:young',
      horizonDays: 400,
      fit: { epochs: 2, members: 1 },
    });
    const file = path.join(dir, 'models', trained.reportKey);

    // Act
    const report = await openReport(browser, file, path.join(tmpdir(), 'valuecast-unevaluated-report.png'));

    // Assess: no metrics, no evaluation charts; the distribution drawn; no error.
    expect(trained.meta.notEvaluated).toBeDefined();
    expect(report.consoleErrors).toEqual([]);
    expect(report.state.systems).toEqual([]);
    expect(report.state.canvases.map((c) => c.id)).toEqual(['chart-distribution']);
    expect(report.state.charts).toBe(1);
  }, 120_000);
});

/** The charts of every report; a transaction model's training report adds the tracking plot. */
const CHARTS = ['chart-gain', 'chart-calibration', 'chart-distribution', 'chart-importance'];

function expectEveryChartInked(state: PageState, charts: string[]): void {
  expect(state.canvases.map((c) => c.id)).toEqual(charts);
  expect(state.charts).toBe(state.canvases.length);
  for (const canvas of state.canvases) {
    expect(canvas.width, canvas.id).toBeGreaterThan(100);
    // Axes and labels alone ink a few percent; the data adds more. A blank canvas has none.
    expect(canvas.inkedPixels, canvas.id).toBeGreaterThan(2000);
  }
}
