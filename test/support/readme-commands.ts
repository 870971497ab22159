import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The registry behind test/unit/readme-commands.test.ts: every shell command README.md shows is run by a
 * test or by CI, or is documentation only, with the reason. Two ways to run one:
 * - a test claims a README section (`## <heading>`): it reads that section's shell blocks from README.md
 *   with `readmeSection('<heading>')` and runs each command, in order (so the README is the only copy);
 * - files (a test, a CI script) that contain the command verbatim and run it.
 * The guard fails on a README command that nothing covers, on a file that does not contain its command or
 * does not read its section, and on an entry that matches no README command: the README cannot drift
 * from what runs.
 */
export type ReadmeCommandEntry =
  | {
      /** A `## ` heading of README.md: every command of that section's shell blocks (not its inline code). */
      section: string;
      /** The test that runs them; it must call `readmeSection('<section>')`. */
      runBy: string;
    }
  | {
      /** Matched against the whole command, whitespace collapsed. */
      pattern: RegExp;
      /** Repository paths that run the command; each must contain its exact text (whitespace collapsed). */
      runBy: string[];
      /**
       * An environment variable the command reads data through (`VALUECAST_DATA_DIR`): its tests run it
       * when the variable is set and skip, naming the variable, when not; each `runBy` file must name it.
       */
      needs?: string;
    }
  | { pattern: RegExp; documentationOnly: string };

const BENCHMARK =
  'a benchmark: many CPU-minutes on this machine (and the serving part starts its own local stack); its last run is committed as bench/results.json, which the README table quotes';

export const README_COMMANDS: ReadmeCommandEntry[] = [
  { pattern: /^npm ci$/, runBy: ['.ci/run'] },
  { pattern: /^npm run demo$/, runBy: ['test/integration/readme/quick-start.test.ts'] },
  { pattern: /^npm test$/, runBy: ['.ci/run'] },
  { pattern: /^npm run layers$/, runBy: ['package.json'] },
  { section: 'The CLI (local files, no AWS, no server)', runBy: 'test/unit/readme/cli.test.ts' },
  { pattern: /^npx valuecast train --help$/, runBy: ['test/unit/readme/cli.test.ts'] },
  { pattern: /^npm start$/, runBy: ['test/integration/check-npm-start.ts'] },
  { section: 'Local stack', runBy: 'test/integration/readme/local-stack.test.ts' },
  { section: 'HTTP API', runBy: 'test/integration/readme/local-stack.test.ts' },
  {
    pattern: /^aws ssm put-parameter /,
    documentationOnly: 'needs an AWS account and credentials (SSM Parameter Store)',
  },
  {
    pattern: /^API_KEY_SSM_PARAMETER=\S+ npx serverless deploy /,
    documentationOnly:
      'needs an AWS account and credentials; `npm run package` builds the same zips and template offline',
  },
  {
    pattern: /^API_KEY_SSM_PARAMETER=\/valuecast\/dev\/api-key npm run package$/,
    runBy: ['test/unit/readme/deploy.test.ts'],
  },
  {
    pattern: /^npx valuecast backtest --data "\$VALUECAST_DATA_DIR"\/online-retail-uci\//,
    runBy: ['test/unit/readme/benchmarks.test.ts'],
    needs: 'VALUECAST_DATA_DIR',
  },
  { pattern: /^npm run bench( -- --large| -- --parts [a-z,]+)?$/, documentationOnly: BENCHMARK },
  {
    pattern: /^npx tsx bench\/accuracy\.ts --(design|benchmark|unseen)( --[a-z]+ \S+)*$/,
    documentationOnly: BENCHMARK,
  },
];

/** A shell command of README.md, where it was found. */
export interface ReadmeCommand {
  /** The command, whitespace collapsed; `a && b` is two commands. */
  text: string;
  /** The `## ` heading it is under ('' before the first one). */
  section: string;
  /** From a shell code block (else from inline code in the prose or a table). */
  fenced: boolean;
}

/** Code fences whose lines are shell commands. */
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console']);
/** An inline code span is a command when it starts with one of these programs. */
const INLINE_COMMAND = /^(npm|npx|node|curl|aws|\/usr\/bin\/time) /;

/**
 * The shell commands of a Markdown document: each line of its sh/bash/shell/console code blocks
 * (backslash continuations joined, `$ ` prompts and `# comments` stripped, blank lines skipped), and each
 * inline code span that starts with a command; `a && b` split in two; whitespace collapsed, in order.
 */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  const add = (text: string, fenced: boolean) => {
    for (const part of text.split(/\s&&\s/)) commands.push({ text: collapse(part), section, fenced });
  };
  let section = '';
  let fence: string | undefined;
  let pending = '';
  for (const line of markdown.split('\n')) {
    const marker = /^\s*```\s*(\S*)/.exec(line);
    if (marker) {
      fence = fence === undefined ? (marker[1] ?? '') : undefined;
      continue;
    }
    if (fence !== undefined) {
      if (!SHELL_FENCES.has(fence)) continue;
      const text = pending + stripComment(line).replace(/^\s*\$ /, '');
      if (text.endsWith('\\')) {
        pending = `${text.slice(0, -1)} `;
        continue;
      }
      pending = '';
      if (text.trim()) add(text, true);
      continue;
    }
    const heading = /^## (.+)$/.exec(line);
    if (heading) section = (heading[1] ?? '').trim();
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      const code = collapse(span[1] ?? '');
      if (INLINE_COMMAND.test(code)) add(code, false);
    }
  }
  return commands;
}

export const README_PATH = path.resolve(__dirname, '../../README.md');

/**
 * The commands of the shell blocks under `## <heading>` of README.md, in order: what a test that claims
 * the section runs. Fails when the section has none (renamed or emptied).
 */
export function readmeSection(heading: string): string[] {
  const commands = readmeCommands(readFileSync(README_PATH, 'utf8'))
    .filter((c) => c.fenced && c.section === heading)
    .map((c) => c.text);
  if (commands.length === 0) throw new Error(`README.md has no shell block under "## ${heading}"`);
  return commands;
}

/** Whitespace runs (newlines included) as one space, trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A line without its trailing `# comment` (a `#` outside quotes, at the start or after whitespace). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line;
}
