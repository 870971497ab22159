import { UsageError } from './cli-error';
import type { Command } from './command';

const commands: Record<string, () => Promise<Command>> = {
  ingest: async () => (await import('./commands/ingest')).ingestCommand,
  backtest: async () => (await import('./commands/backtest')).backtestCommand,
  train: async () => (await import('./commands/train')).trainCommand,
  score: async () => (await import('./commands/score')).scoreCommand,
};

const usage = `valuecast — predict what each customer of an online shop will spend next

Usage:
  valuecast ingest <file|dir>... --out <dir> [--dataset NAME] [--columns customer=…,date=…,amount=…]
  valuecast backtest --data <file|dir>... --cutoff YYYY-MM-DD --horizon <days> [--columns …] [--out metrics.json] [--predictions <file>]
  valuecast train --data <file|dir>... --model-dir <dir> [--horizon 90] [--as-of YYYY-MM-DD] [--columns …] [--dataset NAME]
  valuecast score --model-dir <dir> --data <file|dir>... [--as-of YYYY-MM-DD] --out predictions.csv [--columns …] [--dataset NAME]
  valuecast <command> --help`;

/** Entry point of `npx valuecast`: errors become one clear line and exit code 1 (2 for usage). */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage);
    return;
  }
  const load = commands[name];
  try {
    if (!load)
      throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
    await (await load())(rest);
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`valuecast ${name}: ${message}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) void main(process.argv.slice(2));
