import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/cli-error';
import { scoreCommand } from '../../../cli/commands/score';
import { trainCommand } from '../../../cli/commands/train';
import { orderLogCsv } from '../../../lib/generate/order-log';
import { type CustomerTable, MixedInputKindsError } from '../../../lib/ingest/load-customer-table';
import { readChampion } from '../../../lib/registry/champion';
import { PREDICTIONS_HEADER } from '../../../lib/registry/predictions-csv';
import { getText } from '../../../lib/store/blob-store';
import { FsBlobStore } from '../../../lib/store/fs-store';
import { trainDataset } from '../../../lib/training/train-dataset';
import { shopTable } from '../training/shop-table';
import { generatedTable } from './generated-table';

/** `valuecast score` of one file with the champion under `<dir>/models-root`, into `<dir>/x.csv`. */
function scoreInto(dir: string, data: string): Promise<void> {
  return scoreCommand([
    '--model-dir',
    path.join(dir, 'models-root'),
    '--data',
    data,
    '--out',
    path.join(dir, 'x.csv'),
  ]);
}

/** The message of a rejected command. */
function reasonOf(result: PromiseSettledResult<void>): string {
  return result.status === 'rejected' && result.reason instanceof Error ? result.reason.message : '';
}

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

  it('score reads the table without its label column, or with blank labels, to the same predictions', async () => {
    // Prepare: the label is the future a user does not know yet: the column is absent, or left empty.
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const withoutLabel = (line: string) => line.slice(0, line.lastIndexOf(','));
    expect(header?.endsWith(',Future_Value')).toBe(true);
    const unlabelled = path.join(dir, 'customers-without-label.csv');
    const blank = path.join(dir, 'customers-blank-label.csv');
    await writeFile(unlabelled, `${[header, ...lines].map((l) => withoutLabel(l ?? '')).join('\n')}\n`);
    await writeFile(
      blank,
      `${header}\n${lines.map((l, i) => (i % 3 === 0 ? `${withoutLabel(l)},` : l)).join('\n')}\n`,
    );
    const root = path.join(dir, 'models-root');
    const outs = ['labelled.csv', 'unlabelled.csv', 'blank.csv'].map((f) => path.join(dir, f));

    // Act
    await scoreCommand(['--model-dir', root, '--data', file, '--out', outs[0] as string]);
    await scoreCommand(['--model-dir', root, '--data', unlabelled, '--out', outs[1] as string]);
    await scoreCommand(['--model-dir', root, '--data', blank, '--out', outs[2] as string]);

    // Assess
    const [labelled, ...others] = await Promise.all(outs.map((f) => readFile(f, 'utf8')));
    expect(labelled?.trimEnd().split('\n')).toHaveLength(table.customerIds.length + 1);
    expect(others).toEqual([labelled, labelled]);
    await Promise.all([unlabelled, blank, ...outs].map((f) => rm(f)));
  });

  it('score refuses transactions for a champion trained on a customer table, saying what it reads', async () => {
    // Prepare
    const orders = path.join(dir, 'orders.csv');
    await writeFile(orders, orderLogCsv({ customers: 20, seed: 1, days: 100 }));

    // Act
    const act = scoreInto(dir, orders);

    // Assess
    await expect(act).rejects.toThrow(UsageError);
    await expect(act).rejects.toThrow(
      /^the champion \S+: the model reads a customer table \(one row per customer\), and no file holds any: \S+orders\.csv: this file lacks column\(s\) the model reads: Age, Gender, Purchase_Frequency, Average_Spending, Last_Purchase_Date; it looks like a transaction log \(order_date, quantity, unit_price\)/,
    );
    await rm(orders);
  });

  it('score refuses a table that lacks a column the model reads, naming it', async () => {
    // Prepare: the Age column dropped.
    const noAge = path.join(dir, 'no-age.csv');
    const csv = (await readFile(file, 'utf8')).replace(/^([^,\n]*),[^,\n]*,/gm, '$1,');
    await writeFile(noAge, csv);

    // Act
    const act = scoreInto(dir, noAge);

    // Assess
    await expect(act).rejects.toThrow(/no-age\.csv: this file lacks column\(s\) the model reads: Age$/);
    await rm(noAge);
  });

  it('train on the table without its label column fails, saying the label column is missing and how to set it', async () => {
    // Prepare
    const unlabelled = path.join(dir, 'train-without-label.csv');
    const csv = (await readFile(file, 'utf8')).replace(/,[^,\n]*$/gm, '');
    await writeFile(unlabelled, csv);
    const written: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    const [detected, mapped] = await Promise.allSettled([
      trainCommand(['--data', unlabelled, '--model-dir', path.join(dir, 'never')]),
      trainCommand([
        '--data',
        unlabelled,
        '--model-dir',
        path.join(dir, 'never'),
        '--columns',
        'target=Future_Value',
      ]),
    ]);

    // Assess
    expect(detected).toMatchObject({ status: 'rejected', reason: expect.any(UsageError) });
    expect(mapped).toMatchObject({ status: 'rejected', reason: expect.any(UsageError) });
    expect(reasonOf(detected)).toMatch(
      /^no transactions nor labelled customer table could be read from \S+train-without-label\.csv$/,
    );
    expect(written.join('')).toMatch(
      /skipped \S+train-without-label\.csv: no date column found; .*if this is a customer table \(one row per customer\), training needs its label column \(e\.g\. Future_Value\) and none was found: set target=<column> the same way/,
    );
    expect(written.join('')).toMatch(
      /the mapping names target=Future_Value, but the file has no such column/,
    );
    await rm(unlabelled);
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

    // Assess: both rejections observed at once (TF.js's wasm backend turns an unobserved rejection into an
    // uncaught exception that ends the test worker, and `one` may reject while `repeated` is awaited)
    await Promise.all([
      expect(repeated).rejects.toThrow(MixedInputKindsError),
      expect(one).rejects.toThrow(MixedInputKindsError),
    ]);
    await rm(orders);
  });
});

describe('valuecast score with a champion trained on transactions', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    ({ dir, file } = await generatedTable(60, 3));
    await trainDataset({
      store: new FsBlobStore(path.join(dir, 'models-root')),
      dataset: 'default',
      table: shopTable(200),
      dataFingerprint: 'sha256:shop',
      fit: { epochs: 2, members: 1 },
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a customer table, labelled or not, saying the model reads transactions', async () => {
    // Prepare
    const unlabelled = path.join(dir, 'customers-without-label.csv');
    await writeFile(unlabelled, (await readFile(file, 'utf8')).replace(/,[^,\n]*$/gm, ''));
    // Act
    const [labelled, withoutLabel] = await Promise.allSettled([
      scoreInto(dir, file),
      scoreInto(dir, unlabelled),
    ]);

    // Assess
    expect(labelled).toMatchObject({ status: 'rejected', reason: expect.any(UsageError) });
    expect(withoutLabel).toMatchObject({ status: 'rejected', reason: expect.any(UsageError) });
    expect(reasonOf(labelled)).toMatch(
      /^the champion \S+: the model reads transactions \(one row per purchase\), and no file holds any: \S+customers\.csv: this file is a customer table \(one row per customer\), not a transaction log$/,
    );
    expect(reasonOf(withoutLabel)).toMatch(
      /^the champion \S+: the model reads transactions \(one row per purchase\), and no file holds any: \S+customers-without-label\.csv: no date column found/,
    );
  });
});
