import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/cli-error';
import { scoreCommand } from '../../../cli/commands/score';
import { trainCommand } from '../../../cli/commands/train';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { type CustomerTable, MixedInputKindsError } from '../../../lib/ingest/load-customer-table';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { readChampion } from '../../../lib/training/champion';
import { PREDICTIONS_HEADER } from '../../../lib/training/predictions-csv';
import { generatedTable } from './generated-table';

describe('valuecast train / score on a customer-table file', () => {
  let dir: string;
  let file: string;
  let table: CustomerTable;
  const printed: string[] = [];

  beforeAll(async () => {
    ({ dir, file, table } = await generatedTable(300, 5));
    vi.spyOn(console, 'log').mockImplementation((line: string) => {
      printed.push(line);
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('train detects the customer table, evaluates on a random holdout and writes the champion', async () => {
    // Act
    await trainCommand(['--data', file, '--model-dir', path.join(dir, 'models-root')]);

    // Assess
    const summary = printed.join('\n');
    expect(summary).toMatch(/trained on a customer table of 300 customers, label Future_Value/);
    expect(summary).toMatch(
      /random holdout of \d+ customers, [\d.]+% with a positive label \(a customer table has no time axis\)/,
    );
    expect(summary).toMatch(/^model\s/m);
    expect(summary).toMatch(/^seed_mlp\s/m);
    expect(summary).toMatch(/^linear\s/m);
    expect(summary).toMatch(/promoted \S+: no champion yet/);
    expect(await readChampion(new FsBlobStore(path.join(dir, 'models-root')), 'default')).toBeDefined();
  });

  it('score writes predictions.csv of every row, equal to the training batch predictions', async () => {
    // Prepare
    const out = path.join(dir, 'predictions.csv');
    const store = new FsBlobStore(path.join(dir, 'models-root'));
    const version = (await readChampion(store, 'default'))?.pointer.version;

    // Act
    await scoreCommand(['--model-dir', path.join(dir, 'models-root'), '--data', file, '--out', out]);

    // Assess
    const scored = await readFile(out, 'utf8');
    expect(scored.split('\n')[0]).toBe(PREDICTIONS_HEADER);
    expect(
      scored
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(table.customerIds);
    expect(scored).toBe(await getText(store, `models/default/${version}/predictions.csv`));
  });

  it('score reads every file after one --data: the table split in two scores as the whole', async () => {
    // Prepare
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const parts = [path.join(dir, 'part-1.csv'), path.join(dir, 'part-2.csv')] as const;
    await writeFile(parts[0], `${header}\n${lines.slice(0, 120).join('\n')}\n`);
    await writeFile(parts[1], `${header}\n${lines.slice(120).join('\n')}\n`);
    const whole = path.join(dir, 'whole.csv');
    const split = path.join(dir, 'split.csv');
    const root = path.join(dir, 'models-root');

    // Act
    await scoreCommand(['--model-dir', root, '--data', file, '--out', whole]);
    await scoreCommand(['--model-dir', root, '--data', ...parts, '--out', split]);

    // Assess
    expect((await readFile(split, 'utf8')).trimEnd().split('\n')).toHaveLength(table.customerIds.length + 1);
    expect(await readFile(split, 'utf8')).toBe(await readFile(whole, 'utf8'));
    await Promise.all([...parts, whole, split].map((f) => rm(f)));
  });

  it('score refuses transactions for a champion trained on a customer table', async () => {
    // Prepare
    const orders = path.join(dir, 'orders.csv');
    await writeFile(orders, orderLogCsv({ customers: 20, seed: 1, days: 100 }));

    // Act
    const act = scoreCommand([
      '--model-dir',
      path.join(dir, 'models-root'),
      '--data',
      orders,
      '--out',
      path.join(dir, 'x.csv'),
    ]);

    // Assess
    await expect(act).rejects.toThrow(UsageError);
    await expect(act).rejects.toThrow(/was trained on a customer table, but --data holds transactions/);
    await rm(orders);
  });

  it('train refuses --horizon for a customer table', async () => {
    await expect(trainCommand(['--data', file, '--model-dir', dir, '--horizon', '30'])).rejects.toThrow(
      /--horizon does not apply to a customer table: its label column \(Future_Value\) says what is predicted/,
    );
  });

  it('train refuses files that mix a customer table and transactions', async () => {
    // Prepare
    const orders = path.join(dir, 'orders.csv');
    await writeFile(orders, orderLogCsv({ customers: 20, seed: 1, days: 100 }));

    // Act
    const repeated = trainCommand(['--data', file, '--data', orders, '--model-dir', dir]);
    const one = trainCommand(['--data', file, orders, '--model-dir', dir]);

    // Assess
    await expect(repeated).rejects.toThrow(MixedInputKindsError);
    await expect(one).rejects.toThrow(MixedInputKindsError);
    await rm(orders);
  });
});
