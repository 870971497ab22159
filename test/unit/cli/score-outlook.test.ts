import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/cli-error';
import { scoreCommand } from '../../../cli/commands/score';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { PREDICTIONS_HEADER } from '../../../lib/registry/predictions-csv';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { type TrainDatasetResult, trainDataset } from '../../../lib/training/train-dataset';

/** predictions.csv as rows of cells by column name. */
function rowsOf(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const names = (header ?? '').split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell])));
}

describe('valuecast score: the outlook columns', () => {
  let dir: string;
  let file: string;
  let trained: TrainDatasetResult;

  beforeAll(async () => {
    // Prepare: a generated shop's export, trained the way `valuecast train` trains it (fewer epochs).
    dir = await mkdtemp(path.join(tmpdir(), 'valuecast-score-outlook-'));
    file = path.join(dir, 'orders.csv');
    await writeFile(file, orderLogCsv({ customers: 400, seed: 17 }));
    const { table } = await loadTransactionsFromFiles([file]);
    trained = await trainDataset({
      store: new FsBlobStore(dir),
      dataset: 'default',
      table,
      dataFingerprint: 'sha256:test',
      fit: { epochs: 2, members: 1 },
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  }, 180_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const score = (out: string, ...options: string[]) =>
    scoreCommand(['--model-dir', dir, '--data', file, '--out', path.join(dir, out), ...options]);

  it("writes every outlook column, the same as the training's batch scores of the same data", async () => {
    // Act
    await score('default.csv');

    // Assess
    const scored = await readFile(path.join(dir, 'default.csv'), 'utf8');
    expect(scored.split('\n')[0]).toBe(PREDICTIONS_HEADER);
    expect(scored).toBe(await getText(new FsBlobStore(dir), `${trained.prefix}/predictions.csv`));
    for (const row of rowsOf(scored)) {
      for (const column of ['predicted_p10', 'predicted_p90', 'p_alive', 'expected_orders', 'clv'])
        expect(Number.isFinite(Number(row[column])) && row[column] !== '', column).toBe(true);
      expect(['new', 'lapsed', 'at_risk', 'top_value', 'growing', 'steady']).toContain(row.segment);
    }
  });

  it('sums --clv-months months at the annual --discount-rate', async () => {
    // Act
    await score('two-years.csv', '--clv-months', '24', '--discount-rate', '0');
    await score('one-year.csv', '--clv-months', '12', '--discount-rate', '0');

    // Assess: a second undiscounted year adds to the first, and the default 10% a year takes some of it.
    const read = async (name: string) => rowsOf(await readFile(path.join(dir, name), 'utf8'));
    const [twoYears, oneYear, discounted] = await Promise.all([
      read('two-years.csv'),
      read('one-year.csv'),
      read('default.csv'),
    ]);
    oneYear.forEach((row, i) => {
      expect(Number(twoYears[i]?.clv)).toBeGreaterThanOrEqual(Number(row.clv));
      expect(Number(discounted[i]?.clv)).toBeLessThanOrEqual(Number(row.clv));
      expect(twoYears[i]?.predicted_value).toBe(row.predicted_value);
    });
    const total = (rows: Record<string, string>[]) => rows.reduce((a, r) => a + Number(r.clv), 0);
    expect(total(twoYears)).toBeGreaterThan(1.2 * total(oneYear));
  });

  it('answers a bad --clv-months or --discount-rate with a usage error naming the option', async () => {
    // Act
    const results = await Promise.allSettled([
      score('x.csv', '--clv-months', '0'),
      score('x.csv', '--clv-months', '1.5'),
      score('x.csv', '--discount-rate', '10%'),
      score('x.csv', '--discount-rate', '-0.1'),
    ]);

    // Assess
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = result.status === 'rejected' ? result.reason : undefined;
      expect(reason).toBeInstanceOf(UsageError);
      expect((reason as Error).message).toMatch(/--(clv-months|discount-rate)/);
    }
  });
});
