import { describe, expect, it } from 'vitest';
import { assessBacktest } from '../../support/backtest-check';
import { needsOnlineRetail, ONLINE_RETAIL_DAYS } from '../../support/datasets';
import { runInShell } from '../../support/shell';

// README.md "Benchmarks": the Online Retail backtest of docs/accuracy-protocol.md, verbatim (the CDNOW one is
// the same command as in "The CLI", run by test/unit/readme/cli.test.ts). It reads Online Retail where
// VALUECAST_DATA_DIR points, so it runs when that folder is there and skips, saying so, otherwise.
describe('README "Benchmarks"', () => {
  it.skipIf(!ONLINE_RETAIL_DAYS)(
    needsOnlineRetail(
      'npx valuecast backtest on Online Retail scores the 3,412 customers of the protocol for every system',
    ),
    async () => {
      // Act
      const command =
        'npx valuecast backtest --data "$VALUECAST_DATA_DIR"/online-retail-uci/by-day --cutoff 2011-09-09 --horizon 91 --out /tmp/retail-metrics.json --report /tmp/retail-report.html';
      const run = await runInShell(command);

      // Assess
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      await assessBacktest(run, command);
    },
    900_000,
  );
});
