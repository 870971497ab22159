/**
 * The registry behind test/unit/readme-commands.test.ts: every shell command README.md shows is either run,
 * verbatim, by the files listed here (tests or CI scripts), or is documentation only, with the reason.
 * The guard fails on a README command without an entry, on a listed file that does not contain the
 * command, and on an entry that matches no README command: the README cannot drift from what runs.
 */
export type ReadmeCommandEntry =
  | {
      /** Matched against the whole command, whitespace collapsed. */
      pattern: RegExp;
      /** Repository paths that run the command; each must contain its exact text (whitespace collapsed). */
      runBy: string[];
    }
  | { pattern: RegExp; documentationOnly: string };

export const README_COMMANDS: ReadmeCommandEntry[] = [
  { pattern: /^npm ci$/, runBy: ['.ci/run'] },
  { pattern: /^npm test$/, runBy: ['.ci/run'] },
  {
    pattern: /^npx serverless deploy /,
    documentationOnly:
      'needs an AWS account and credentials; `npm run package` builds the same zips and template offline',
  },
];

/** Code fences whose lines are shell commands. */
const SHELL_FENCES = new Set(['sh', 'bash', 'shell', 'console']);
/** An inline code span is a command when it starts with one of these programs. */
const INLINE_COMMAND = /^(npm|npx|node|curl|aws|\/usr\/bin\/time) /;

/**
 * The shell commands of a Markdown document: each line of its sh/bash/shell/console code blocks
 * (backslash continuations joined, `$ ` prompts and `# comments` stripped, blank lines skipped), then each
 * inline code span that starts with a command; whitespace collapsed, each command once, in order.
 */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
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
      if (text.trim()) commands.push(collapse(text));
      continue;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      const code = collapse(span[1] ?? '');
      if (INLINE_COMMAND.test(code)) commands.push(code);
    }
  }
  return [...new Set(commands)];
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
