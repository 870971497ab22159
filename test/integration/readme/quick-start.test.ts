import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runInShell } from '../../support/shell';

// README.md "Quick start": `npm ci` and `npm test` are what .ci/run runs; `npm run demo` runs here, verbatim.
// The integration project's local stack is already up on the demo's ports, so the demo uses it (as it does
// beside `npm start`) and leaves it running; the stack start and stop are global-setup.ts's.
describe('README "Quick start"', () => {
  it('npm run demo ingests a sample shop, trains, calls the API and prints a summary with the report', async () => {
    // Act
    const run = await runInShell('npm run demo');

    // Assess
    const out = run.stdout;
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    expect(out).toContain('▸ using the local stack already running');
    const [read, accepted, rejected] = (
      /([\d,]+) rows read, ([\d,]+) accepted, ([\d,]+) rejected/.exec(out) ?? []
    )
      .slice(1)
      .map((n) => Number(n.replaceAll(',', '')));
    expect(read).toBeGreaterThan(10_000);
    expect((accepted ?? 0) + (rejected ?? 0)).toBe(read);
    for (const system of ['model', 'bgnbd_gammagamma', 'linear', 'last_window'])
      expect(out).toMatch(new RegExp(`^ {2}${system} +0\\.\\d{3} `, 'm'));
    const version = /^ {2}model (\S+): promoted to champion/m.exec(out)?.[1];
    expect(version, out).toBeDefined();
    expect(out).toContain('GET /health → 200');
    expect(out).toMatch(/GET \/model\?dataset=demo → 200 \{"dataset":"demo","version":"/);
    const top = /^Top customers by predicted 90-day spend \(of [\d,]+\):\n {2}(.+)\n((?: {2}.+\n){5})/m.exec(
      out,
    );
    expect(top?.[1]).toBe('customer_id,predicted_value,p_return,value_decile,model_version');
    expect(
      top?.[2]
        ?.trimEnd()
        .split('\n')
        .every((row) => row.endsWith(`,${version}`)),
    ).toBe(true);
    expect(out).toMatch(/GET \/customers\/\S+\?dataset=demo → 200 \{/);
    const report = /^Report: (\S+) /m.exec(out)?.[1];
    const html = await readFile(report as string, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(version);
    expect(out).toContain('▸ leaving the local stack running');
  }, 900_000);
});
