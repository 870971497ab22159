import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backtestCommand, reportPath } from '../../../cli/commands/backtest';
import { orderLogCsv } from '../../../lib/generate/order-log';

describe('valuecast backtest writes the report', () => {
  let dir: string;
  let data: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'valuecast-backtest-report-'));
    data = path.join(dir, 'orders.csv');
    await writeFile(data, orderLogCsv({ customers: 300, seed: 5, days: 730 }));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const backtest = (...extra: string[]) =>
    backtestCommand([
      '--data',
      data,
      '--cutoff',
      '2024-09-30',
      '--horizon',
      '90',
      '--systems',
      'bgnbd_gammagamma,last_window',
      ...extra,
    ]);

  it('as report.html beside metrics.json, with every system of the run and the data quality', async () => {
    // Act
    await backtest('--out', path.join(dir, 'metrics.json'));

    // Assess
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Backtest report');
    expect(html).toContain('data-system="bgnbd_gammagamma"');
    expect(html).toContain('data-system="last_window"');
    expect(html).toContain('id="data-quality"');
  });

  it('to the file --report names', async () => {
    // Prepare
    const file = path.join(dir, 'custom.html');

    // Act
    await backtest('--report', file);

    // Assess
    expect((await stat(file)).size).toBeGreaterThan(200_000);
  });
});

describe('reportPath', () => {
  it('prefers --report, then report.html beside --out, then ./backtest-report.html', () => {
    // Act / Assess
    expect(reportPath('r.html', 'out/metrics.json')).toBe('r.html');
    expect(reportPath(undefined, path.join('out', 'metrics.json'))).toBe(path.join('out', 'report.html'));
    expect(reportPath(undefined, undefined)).toBe('backtest-report.html');
  });
});
