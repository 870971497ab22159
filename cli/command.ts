import type { UsageError } from './cli-error';

/** A CLI command: parses its own arguments, throws {@link UsageError} for bad input. */
export type Command = (args: string[]) => Promise<void>;
