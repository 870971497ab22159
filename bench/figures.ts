/**
 * One measured figure of `npm run bench`. Absolute times are noisy on a shared machine, so a figure is
 * reported beside a reference measured in the same run where one exists (pandas, an empty handler, …),
 * and the ratio is what is compared with the target of docs/scaling.md (accuracy: docs/accuracy-protocol.md).
 */
export interface BenchFigure {
  /** The part of the benchmark: `ingest`, `features`, `training`, `serving`. */
  group: string;
  /** What was measured, e.g. `Online Retail folder: ingest + features`. */
  name: string;
  value: number;
  /** e.g. `rows/s`, `ms`, `MB`, `s`. */
  unit: string;
  /** The same quantity for the reference, measured in the same run. */
  reference?: { name: string; value: number };
  /** value / reference.value (or the inverse where smaller is better: say which in `target`). */
  ratio?: number;
  /** The target this figure answers (docs/scaling.md, docs/accuracy-protocol.md), e.g. `≥ 3× pandas`. */
  target?: string;
  /** Whether the target is met; absent when there is no target. */
  met?: boolean;
  note?: string;
  /** 1-, 5- and 15-minute load average of the machine when the part that measured this started. */
  load?: number[];
}
