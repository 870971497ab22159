import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-error';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const DATA_OPTION = { data: { type: 'string', multiple: true } } as const;

/**
 * Parse a command's options, where `--data <file|dir>...` takes every argument up to the next option, as
 * docs/contracts.md writes it (`--data a.csv b.csv`, which is what a shell glob `--data shop/*.csv` expands to);
 * `--data` may also be repeated. Any other argument that is not an option's value is a usage error.
 * `data` is every value in the order given; `--help`/`-h` is always accepted.
 * @throws UsageError naming the unknown option or the stray argument
 */
export function parseCommandOptions<Own extends OptionsConfig>(args: string[], own: Own, command: string) {
  const see = `(see valuecast ${command} --help)`;
  let parsed: ReturnType<typeof parse<Own>>;
  try {
    parsed = parse(args, own);
  } catch (e: unknown) {
    throw new UsageError(`${e instanceof Error ? e.message : String(e)} ${see}`);
  }
  const data: string[] = [];
  let inData = false;
  for (const token of parsed.tokens) {
    if (token.kind === 'option') {
      inData = token.name === 'data';
      if (inData && token.value !== undefined) data.push(token.value);
    } else if (token.kind === 'positional' && inData) {
      data.push(token.value);
    } else if (token.kind === 'positional') {
      throw new UsageError(`unexpected argument "${token.value}": only --data takes several values ${see}`);
    } else {
      // After `--` every argument is positional: none of them is a --data value here.
      inData = false;
    }
  }
  return { ...parsed.values, data: data.length > 0 ? data : undefined };
}

function parse<Own extends OptionsConfig>(args: string[], own: Own) {
  return parseArgs({
    args,
    options: { ...own, ...DATA_OPTION, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    tokens: true,
  });
}

/** The --data values, or a usage error saying it is required. */
export function requireData(data: string[] | undefined, command: string): string[] {
  if (!data || data.length === 0)
    throw new UsageError(`--data is required (see valuecast ${command} --help)`);
  return data;
}
