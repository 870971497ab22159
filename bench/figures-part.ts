/**
 * Runs a benchmark part that returns its figures itself in its own process, for bench/run.ts:
 *   npx tsx bench/figures-part.ts serving    (runServingBench of bench/serving.ts)
 *   npx tsx bench/figures-part.ts accuracy   (runAccuracyBench of bench/accuracy.ts)
 * and prints them as one `BENCH_PART {"figures": [...]}` line (see part-output.ts).
 */

import type { BenchFigure } from './figures';
import { emitPart } from './part-output';

const parts: Record<string, () => Promise<BenchFigure[]>> = {
  serving: async () => (await import('./serving')).runServingBench(),
  accuracy: async () => (await import('./accuracy')).runAccuracyBench(),
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const run = parts[name];
  if (!run) throw new Error(`usage: bench/figures-part.ts ${Object.keys(parts).join('|')}`);
  emitPart({ figures: await run() });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
