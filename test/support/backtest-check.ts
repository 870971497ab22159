import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { optionOf, type ShellRun } from './shell';

/**
 * The two datasets of docs/accuracy-protocol.md (by a path fragment): customers scored, and the BG/NBD +
 * Gamma-Gamma Gini of its peer table, which ours must match (±0.02): same data and cutoff, the same model.
 */
const BENCHMARK_DATASETS: Record<string, { customers: number; bgNbdGini: number }> = {
  'cdnow/CDNOW_master.txt': { customers: 23_570, bgNbdGini: 0.726 },
  'online-retail-uci/by-day': { customers: 3_412, bgNbdGini: 0.77 },
};

/**
 * What a README `npx valuecast backtest … --out <metrics.json>` must have done: metrics.json with every
 * system (on the benchmark datasets: their customers, their BG/NBD + Gamma-Gamma Gini), the printed table, the HTML report
 * (`--report`, else report.html beside metrics.json).
 */
export async function assessBacktest(run: ShellRun, command: string): Promise<void> {
  const out = optionOf(command, '--out');
  const metrics = JSON.parse(await readFile(out, 'utf8'));
  expect(metrics).toMatchObject({
    cutoff: optionOf(command, '--cutoff'),
    horizonDays: Number(optionOf(command, '--horizon')),
  });
  const benchmark = Object.entries(BENCHMARK_DATASETS).find(([fragment]) => command.includes(fragment))?.[1];
  if (benchmark) {
    expect(metrics.customers).toBe(benchmark.customers);
    expect(Math.abs(metrics.systems.bgnbd_gammagamma.gini - benchmark.bgNbdGini)).toBeLessThan(0.02);
  }
  expect(Object.keys(metrics.systems).sort()).toEqual([
    'bgnbd_gammagamma',
    'last_window',
    'linear',
    'mlp',
    'model',
  ]);
  for (const [name, system] of Object.entries(metrics.systems) as [string, { gini: number }][]) {
    expect(system.gini, name).toBeGreaterThan(0.3);
    expect(run.stdout).toMatch(new RegExp(`^${name}\\s+${system.gini.toFixed(3)}\\s`, 'm'));
  }
  const report = command.includes('--report')
    ? optionOf(command, '--report')
    : path.join(path.dirname(out), 'report.html');
  expect(run.stderr).toContain(`report written to ${report}`);
  expect(await readFile(report, 'utf8')).toMatch(/^<!doctype html>/i);
}
