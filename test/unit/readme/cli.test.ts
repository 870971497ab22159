import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestReport } from '../../../lib/ingest';
import { PREDICTIONS_HEADER } from '../../../lib/registry/predictions-csv';
import { assessBacktest } from '../../support/backtest-check';
import { readmeSection } from '../../support/readme-commands';
import { type CommandCheck, checkOf, optionOf, runInShell } from '../../support/shell';

// README.md "The CLI": its shell block, read from the README and run verbatim, in order (generate → ingest
// → train → score → backtest), each checked for what it wrote. Then the inline `--help` it points to.
const commands = readmeSection('The CLI (local files, no AWS, no server)');

/** The CSV lines of the generated shop's monthly files, header dropped. */
async function shopRows(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^orders-\d{4}-\d{2}\.csv$/.test(f)).sort();
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  return texts.flatMap((text) => text.trimEnd().split('\n').slice(1));
}

const checks: CommandCheck[] = [
  {
    command: /^npm run generate -- /,
    assess: async (run, command) => {
      const out = optionOf(command, '--out');
      const customers = Number(optionOf(command, '--customers'));
      const files = (await readdir(out)).filter((f) => /^orders-\d{4}-\d{2}\.csv$/.test(f));
      expect(files).toHaveLength(24); // two years, one file a month
      const rows = await shopRows(out);
      expect(run.stdout + run.stderr).toContain(`wrote ${rows.length.toLocaleString('en')} rows`);
      const ids = new Set(rows.map((line) => line.split(',')[1]).filter(Boolean));
      expect(ids.size).toBeGreaterThan(0.95 * customers);
      expect(ids.size).toBeLessThanOrEqual(customers);
    },
  },
  {
    command: /^npx valuecast ingest /,
    assess: async (run, command) => {
      const input = command.split(' ')[3] as string;
      const out = optionOf(command, '--out');
      const reportDir = path.join(out, 'reports/ingest/default');
      const names = (await readdir(reportDir)).filter((f) => f.endsWith('.json'));
      const reports: IngestReport[] = await Promise.all(
        names.map(async (f) => JSON.parse(await readFile(path.join(reportDir, f), 'utf8'))),
      );
      expect(reports).toHaveLength(24);
      expect(reports.every((r) => r.status === 'ok' && r.rowsRead === r.rowsAccepted + r.rowsRejected)).toBe(
        true,
      );
      expect(reports.reduce((n, r) => n + r.rowsRead, 0)).toBe((await shopRows(input)).length);
      for (const r of reports)
        expect(existsSync(path.join(out, `normalized/default/${r.source}.parquet`))).toBe(true);
      expect(run.stdout.trimEnd().split('\n')).toHaveLength(24); // one summary line a file
    },
  },
  {
    command: /^npx valuecast train /,
    assess: async (run) => {
      const version = /^(?:NOT )?promoted (\S+): /m.exec(run.stdout)?.[1];
      const artifacts = /^artifacts: (\S+)\/\{/m.exec(run.stdout)?.[1];
      expect(version, run.stdout).toBeDefined();
      expect(artifacts?.endsWith(`/models/default/${version}`), run.stdout).toBe(true);
      for (const file of ['model.json', 'weights.bin', 'meta.json', 'predictions.csv', 'report.html'])
        expect(existsSync(path.join(artifacts as string, file)), file).toBe(true);
      const report = /^report: (\S+)$/m.exec(run.stdout)?.[1];
      expect(report).toBe(path.join(artifacts as string, 'report.html'));
      expect(await readFile(report as string, 'utf8')).toMatch(/^<!doctype html>/i);
      expect(run.stdout).toMatch(/^model\s+[\d.]+/m);
      expect(run.stdout).toMatch(/^bgnbd_gammagamma\s+[\d.]+/m);
    },
  },
  {
    command: /^npx valuecast score /,
    assess: async (_run, command) => {
      const modelDir = optionOf(command, '--model-dir');
      const champion = JSON.parse(
        await readFile(path.join(modelDir, 'models/default/champion.json'), 'utf8'),
      ) as { version: string };
      const [header, ...rows] = (await readFile(optionOf(command, '--out'), 'utf8')).trimEnd().split('\n');
      expect(header).toBe(PREDICTIONS_HEADER);
      expect(new Set(rows.map((r) => r.split(',')[4]))).toEqual(new Set([champion.version]));
      // The same data as the training: the same customers as the champion's own batch scores.
      const batch = await readFile(
        path.join(modelDir, `models/default/${champion.version}/predictions.csv`),
        'utf8',
      );
      const idsOf = (lines: string[]) => lines.map((r) => r.split(',')[0]).sort();
      expect(idsOf(rows)).toEqual(idsOf(batch.trimEnd().split('\n').slice(1)));
      expect(new Set(rows.map((r) => Number(r.split(',')[3])))).toEqual(
        new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      );
    },
  },
  { command: /^npx valuecast backtest /, assess: assessBacktest },
];

describe('README "The CLI", run verbatim in order', () => {
  for (const command of commands) {
    it(command, async () => {
      // Prepare
      const check = checkOf(checks, command);

      // Act
      const run = await runInShell(command);

      // Assess
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      await check.assess(run, command);
    }, 900_000);
  }

  it('has no check for a command the section no longer shows', () => {
    // Assess
    expect(checks.filter((c) => !commands.some((command) => c.command.test(command)))).toEqual([]);
  });

  it('npx valuecast train --help prints the usage and what a training writes, report.html included', async () => {
    // Act
    const run = await runInShell('npx valuecast train --help');

    // Assess
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: valuecast train --data <file\|dir>\.\.\. --model-dir <dir>/);
    expect(run.stdout).toContain('report.html');
  });
});
