import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collapse, README_COMMANDS, readmeCommands } from '../support/readme-commands';

const root = path.resolve(__dirname, '../..');
const commands = readmeCommands(readFileSync(path.join(root, 'README.md'), 'utf8'));
const entryOf = (command: string) => README_COMMANDS.find((entry) => entry.pattern.test(command));

describe('every command in README.md is run by a test or by CI', () => {
  it('has a registry entry (test/support/readme-commands.ts) for each README command', () => {
    // Assess
    const missing = commands.filter((command) => !entryOf(command));
    expect(missing, `README commands that nothing runs:\n${missing.join('\n')}\n`).toEqual([]);
  });

  it('finds each command, verbatim, in every file its entry says runs it', () => {
    // Assess
    const absent: string[] = [];
    for (const command of commands) {
      const entry = entryOf(command);
      if (!entry || !('runBy' in entry)) continue;
      for (const file of entry.runBy) {
        const full = path.join(root, file);
        if (!existsSync(full) || !collapse(readFileSync(full, 'utf8')).includes(command))
          absent.push(`${file} does not run: ${command}`);
      }
    }
    expect(absent).toEqual([]);
  });

  it('has no entry that matches no README command, and a reason for each documentation-only one', () => {
    // Assess
    const stale = README_COMMANDS.filter((entry) => !commands.some((c) => entry.pattern.test(c)));
    expect(stale.map((entry) => String(entry.pattern))).toEqual([]);
    for (const entry of README_COMMANDS)
      if ('documentationOnly' in entry) expect(entry.documentationOnly.length).toBeGreaterThan(20);
  });
});

describe('readmeCommands', () => {
  it('reads shell fences and command-like inline code, and nothing else', () => {
    // Prepare
    const markdown = [
      'Run `npm run demo` then read `report.html`.',
      '```sh',
      'npm ci && npm run demo   # the demo',
      '$ curl -s -X POST http://x/predict \\',
      `  -d '{"a":"#not a comment"}'`,
      '',
      '# a whole-line comment',
      '```',
      '```',
      'models/<dataset>/champion.json   not a command',
      '```',
      '```json',
      '{"npm": "test"}',
      '```',
      '| bench | `npx tsx bench/ingest.ts --rows 10` |',
    ].join('\n');

    // Act
    const found = readmeCommands(markdown);

    // Assess
    expect(found).toEqual([
      'npm run demo',
      'npm ci && npm run demo',
      `curl -s -X POST http://x/predict -d '{"a":"#not a comment"}'`,
      'npx tsx bench/ingest.ts --rows 10',
    ]);
  });
});
