import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/cli-error';
import { backtestCommand } from '../../../cli/commands/backtest';
import { parseCommandOptions, requireData } from '../../../cli/data-option';
import { orderLogCsv } from '../../../lib/generate/order-log';

const OWN = { 'model-dir': { type: 'string' }, verbose: { type: 'boolean' } } as const;
const parse = (...args: string[]) => parseCommandOptions(args, OWN, 'train');

describe('parseCommandOptions: --data <file|dir>...', () => {
  it('takes every argument after one --data up to the next option (a shell glob)', () => {
    // Act
    const values = parse('--data', 'a.csv', 'b.csv', 'dir', '--model-dir', 'm');

    // Assess
    expect(values.data).toEqual(['a.csv', 'b.csv', 'dir']);
    expect(values['model-dir']).toBe('m');
  });

  it('joins repeated --data options, and --data=<file>, in the order given', () => {
    expect(parse('--data', 'a', '--verbose', '--data=b', 'c', '--data', 'd').data).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('accepts the values after the other options', () => {
    expect(parse('--model-dir', 'm', '--data', 'a', 'b').data).toEqual(['a', 'b']);
  });

  it('leaves data undefined without --data, and requireData says it is required', () => {
    // Act
    const values = parse('--model-dir', 'm');

    // Assess
    expect(values.data).toBeUndefined();
    expect(() => requireData(values.data, 'score')).toThrow(
      new UsageError('--data is required (see valuecast score --help)'),
    );
    expect(requireData(['x'], 'score')).toEqual(['x']);
  });

  it('refuses an argument that follows another option’s value, naming it', () => {
    expect(() => parse('--model-dir', 'm', 'stray.csv', '--data', 'a')).toThrow(
      new UsageError(
        'unexpected argument "stray.csv": only --data takes several values (see valuecast train --help)',
      ),
    );
    expect(() => parse('first.csv', '--data', 'a')).toThrow(/unexpected argument "first\.csv"/);
  });

  it('does not take arguments after a boolean option or after -- as data', () => {
    expect(() => parse('--data', 'a', '--verbose', 'b')).toThrow(/unexpected argument "b"/);
    expect(() => parse('--data', 'a', '--', 'b')).toThrow(/unexpected argument "b"/);
  });

  it('turns an unknown option into a usage error pointing at the command’s help', () => {
    // Act
    const act = () => parse('--data', 'a', '--horizn', '30');

    // Assess
    expect(act).toThrow(UsageError);
    expect(act).toThrow(/--horizn.*\(see valuecast train --help\)$/);
  });
});

describe('valuecast backtest --data with several files', () => {
  let dir: string;
  let whole: string;
  let parts: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'valuecast-data-option-'));
    const [header, ...lines] = orderLogCsv({ customers: 150, seed: 3, days: 500 }).trimEnd().split('\n');
    whole = path.join(dir, 'orders.csv');
    await writeFile(whole, `${header}\n${lines.join('\n')}\n`);
    const half = Math.floor(lines.length / 2);
    parts = [path.join(dir, 'orders-1.csv'), path.join(dir, 'orders-2.csv')];
    await writeFile(parts[0] as string, `${header}\n${lines.slice(0, half).join('\n')}\n`);
    await writeFile(parts[1] as string, `${header}\n${lines.slice(half).join('\n')}\n`);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const metricsOf = async (name: string, ...data: string[]) => {
    const out = path.join(dir, `${name}.json`);
    await backtestCommand([
      ...data,
      '--cutoff',
      '2023-12-31',
      '--horizon',
      '90',
      '--systems',
      'last_window',
      '--out',
      out,
      '--report',
      path.join(dir, `${name}.html`),
    ]);
    const { systems, ...rest } = JSON.parse(await readFile(out, 'utf8'));
    return { ...rest, featureSeconds: undefined, metrics: { ...systems.last_window, seconds: undefined } };
  };

  it('reads every file after one --data, as repeated --data and the single file do', async () => {
    // Act
    const one = await metricsOf('one', '--data', ...(parts as [string, string]));
    const repeated = await metricsOf('repeated', '--data', parts[0] as string, '--data', parts[1] as string);
    const single = await metricsOf('single', '--data', whole);
    const firstOnly = await metricsOf('first', '--data', parts[0] as string);

    // Assess
    expect(one).toEqual(single);
    expect(repeated).toEqual(single);
    expect(firstOnly.customers).toBeLessThan(single.customers);
  });
});
