import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { optionOf, type ShellRun } from './shell';

/** Customers scored on BRIEF.md's protocol, by a path fragment of its two datasets. */
const BRIEF_CUSTOMERS: Record<string, number> = {
  'cdnow/CDNOW_master.txt': 23_570,
  'online-retail-uci/by-day': 3_412,
};

/**
 * What a README `npx valuecast backtest … --out <metrics.json>` must have done: metrics.json with every
 * system (on BRIEF.md's datasets: every customer of its protocol scored), the printed table, the HTML report
 * (`--report`, else report.html beside metrics.json).
 */
export async function assessBacktest(run: ShellRun, command: string): Promise<void> {
  const out = optionOf(command, '--out');
  const metrics = JSON.parse(await readFile(out, 'utf8'));
  expect(metrics).toMatchObject({
    cutoff: optionOf(command, '--cutoff'),
    horizonDays: Number(optionOf(command, '--horizon')),
  });
  const dataset = Object.keys(BRIEF_CUSTOMERS).find((fragment) => command.includes(fragment));
  if (dataset) expect(metrics.customers).toBe(BRIEF_CUSTOMERS[dataset]);
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
