import { describe, expect, it } from 'vitest';
import { assessBacktest } from '../../support/backtest-check';
import { runInShell } from '../../support/shell';

// README.md "Benchmarks": the Online Retail backtest of BRIEF.md's protocol, verbatim (the CDNOW one is the
// same command as in "The CLI", run by test/unit/readme/cli.test.ts).
describe('README "Benchmarks"', () => {
  it('npx valuecast backtest on Online Retail scores the 3,412 customers of BRIEF.md for every system', async () => {
    // Act
    const command =
      'npx valuecast backtest --data ../shared/data/online-retail-uci/by-day --cutoff 2011-09-09 --horizon 91 --out /tmp/retail-metrics.json --report /tmp/retail-report.html';
    const run = await runInShell(command);

    // Assess
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    await assessBacktest(run, command);
  }, 900_000);
});
