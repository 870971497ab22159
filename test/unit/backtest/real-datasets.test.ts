import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTransactionsFromFiles } from '../../../lib/ingest';
import { runBacktest } from '../../../lib/training/backtest';

// The benchmark of BRIEF.md on the real data: scored-customer counts and the BG/NBD + Gamma-Gamma Gini
// must match the peer figures (±0.02). Slow-ish (the Online Retail load dominates), well under a minute.
const DATA = resolve(__dirname, '../../../../shared/data');

describe('backtest on the BRIEF.md datasets', () => {
  it('CDNOW (cutoff 1997-12-31, H = 181): 23,570 customers, BG/NBD + Gamma-Gamma Gini ≈ 0.726', async () => {
    // Prepare
    const { table } = await loadTransactionsFromFiles([`${DATA}/cdnow/CDNOW_master.txt`]);

    // Act
    const result = await runBacktest(table, { cutoff: '1997-12-31', horizonDays: 181 });

    // Assess
    expect(result.customers).toBe(23_570);
    const bgNbd = result.systems.find((s) => s.name === 'bgnbd_gammagamma');
    expect(Math.abs((bgNbd?.metrics.gini ?? 0) - 0.726)).toBeLessThan(0.02);
  });

  it('Online Retail (cutoff 2011-09-09, H = 91): 3,412 customers, BG/NBD + Gamma-Gamma Gini ≈ 0.770', async () => {
    // Prepare
    const { table } = await loadTransactionsFromFiles([`${DATA}/online-retail-uci/by-day`]);

    // Act
    const result = await runBacktest(table, { cutoff: '2011-09-09', horizonDays: 91 });

    // Assess
    expect(result.customers).toBe(3_412);
    const bgNbd = result.systems.find((s) => s.name === 'bgnbd_gammagamma');
    expect(Math.abs((bgNbd?.metrics.gini ?? 0) - 0.77)).toBeLessThan(0.02);
  });
});
