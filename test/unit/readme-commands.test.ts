import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collapse,
  README_COMMANDS,
  README_PATH,
  type ReadmeCommandEntry,
  readmeCommands,
} from '../support/readme-commands';

const root = path.resolve(__dirname, '../..');
const found = readmeCommands(readFileSync(README_PATH, 'utf8'));
const sectionEntries = README_COMMANDS.filter(
  (entry): entry is Extract<ReadmeCommandEntry, { section: string }> => 'section' in entry,
);
const patternEntries = README_COMMANDS.filter(
  (entry): entry is Exclude<ReadmeCommandEntry, { section: string }> => 'pattern' in entry,
);
/** Commands a test runs by reading their README section; the same text elsewhere in the README is covered too. */
const runFromSections = new Set(
  found.filter((c) => c.fenced && sectionEntries.some((e) => e.section === c.section)).map((c) => c.text),
);
/** Every other command, once: each needs an entry of its own. */
const listedOneByOne = [...new Set(found.map((c) => c.text))].filter((text) => !runFromSections.has(text));
const entryOf = (command: string) => patternEntries.find((entry) => entry.pattern.test(command));
const fileText = (file: string) => {
  const full = path.join(root, file);
  return existsSync(full) ? collapse(readFileSync(full, 'utf8')) : '';
};

describe('every command in README.md is run by a test or by CI', () => {
  it('has a registry entry (test/support/readme-commands.ts) for each README command', () => {
    // Assess
    const missing = listedOneByOne.filter((command) => !entryOf(command));
    expect(missing, `README commands that nothing runs:\n${missing.join('\n')}\n`).toEqual([]);
  });

  it('finds each command, verbatim, in every file its entry says runs it', () => {
    // Assess
    const absent: string[] = [];
    for (const command of listedOneByOne) {
      const entry = entryOf(command);
      if (!entry || !('runBy' in entry)) continue;
      for (const file of entry.runBy)
        if (!fileText(file).includes(command)) absent.push(`${file} does not run: ${command}`);
    }
    expect(absent).toEqual([]);
  });

  it('has each claimed section in README.md, with shell commands, read by the test that claims it', () => {
    // Assess
    const problems: string[] = [];
    for (const { section, runBy } of sectionEntries) {
      if (!found.some((c) => c.fenced && c.section === section))
        problems.push(`README.md has no shell block under "## ${section}"`);
      if (!fileText(runBy).includes(`readmeSection('${section}')`))
        problems.push(`${runBy} does not read its section: readmeSection('${section}')`);
    }
    expect(problems).toEqual([]);
  });

  it('has each command that reads an environment variable run by tests that skip without it', () => {
    // Assess: `"$VALUECAST_DATA_DIR"/…` runs where the data are and skips, naming the variable, elsewhere
    const problems: string[] = [];
    for (const command of listedOneByOne) {
      const entry = entryOf(command);
      const needs = entry && 'needs' in entry ? entry.needs : undefined;
      for (const [, variable] of command.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g))
        if (variable !== needs)
          problems.push(`${command}: reads $${variable}, so its entry needs: '${variable}'`);
      if (needs === undefined || !entry || !('runBy' in entry)) continue;
      for (const file of entry.runBy)
        if (!fileText(file).includes('.skipIf(')) problems.push(`${file} does not skip without ${needs}`);
    }
    expect(problems).toEqual([]);
  });

  it('has no entry that matches no README command, and a reason for each documentation-only one', () => {
    // Assess
    const stale = patternEntries.filter((entry) => !listedOneByOne.some((c) => entry.pattern.test(c)));
    expect(stale.map((entry) => String(entry.pattern))).toEqual([]);
    for (const entry of patternEntries)
      if ('documentationOnly' in entry) expect(entry.documentationOnly.length).toBeGreaterThan(20);
  });
});

describe('readmeCommands', () => {
  it('reads shell blocks and command-like inline code with their section, and nothing else', () => {
    // Prepare
    const markdown = [
      'Run `npm run demo` then read `report.html`.',
      '## Quick start',
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
      '## Benchmarks',
      '| bench | `npx tsx bench/ingest.ts --rows 10` |',
    ].join('\n');

    // Act
    const commands = readmeCommands(markdown);

    // Assess
    expect(commands).toEqual([
      { text: 'npm run demo', section: '', fenced: false },
      { text: 'npm ci', section: 'Quick start', fenced: true },
      { text: 'npm run demo', section: 'Quick start', fenced: true },
      {
        text: `curl -s -X POST http://x/predict -d '{"a":"#not a comment"}'`,
        section: 'Quick start',
        fenced: true,
      },
      { text: 'npx tsx bench/ingest.ts --rows 10', section: 'Benchmarks', fenced: false },
    ]);
  });
});
