/**
 * How a benchmark part (a script run in its own process by bench/run.ts) hands its figures back: one line
 * `BENCH_PART <json>` on stdout, with the process's own peak RSS and CPU time added. Progress goes to
 * stderr. Each part runs in a fresh process so its peak RSS is its own, not the sum of earlier parts.
 */
export const PART_LINE_PREFIX = 'BENCH_PART ';

/** What every part reports besides its own figures. */
export interface PartProcessFigures {
  /** Peak resident set size of the whole process (getrusage ru_maxrss), MB. */
  peakRssMB: number;
  /** User + system CPU seconds of the process. */
  cpuSeconds: number;
}

export function processFigures(): PartProcessFigures {
  const usage = process.resourceUsage();
  return {
    peakRssMB: Math.round(usage.maxRSS / 1024),
    cpuSeconds: round3((usage.userCPUTime + usage.systemCPUTime) / 1e6),
  };
}

/** Print the part's figures (plus {@link processFigures}) as the line bench/run.ts reads. */
export function emitPart(figures: object): void {
  console.log(`${PART_LINE_PREFIX}${JSON.stringify({ ...figures, ...processFigures() })}`);
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Wall and CPU seconds of `work` (CPU is steadier on a shared machine, where wall time includes waiting). */
export async function timed<T>(
  work: () => Promise<T> | T,
): Promise<{ result: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return {
    result,
    seconds: round3((performance.now() - started) / 1000),
    cpuSeconds: round3((used.user + used.system) / 1e6),
  };
}
