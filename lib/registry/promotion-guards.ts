import type { ScoredCustomers } from './predictions-csv';

/**
 * Checks on a trained version besides the champion/challenger comparison of champion.ts: what stops a
 * promotion whatever the metrics say, and what is flagged for people to see (meta.json, report.html, GET
 * /model) without stopping it.
 */

/** The baseline a model must out-rank to be worth its complexity: "the last H days repeat". */
export const RANKING_BASELINE = 'last_window';

/** Something a person should know about a version before relying on it. */
export interface ModelFlag {
  code: 'ranks_below_baseline';
  message: string;
}

/**
 * Why the version must never be promoted, or undefined: a prediction (value or return probability) that
 * is NaN or ±Infinity would be served to every client, and breaks the deciles of predictions.csv.
 */
export function promotionBlocker(scored: ScoredCustomers): string | undefined {
  const bad = (values: ArrayLike<number> | undefined) => {
    let n = 0;
    for (let i = 0; i < (values?.length ?? 0); i++) if (!Number.isFinite(values?.[i] as number)) n++;
    return n;
  };
  const value = bad(scored.value);
  const pReturn = bad(scored.pReturn);
  if (value === 0 && pReturn === 0) return undefined;
  const what = [
    value > 0 ? `${value} predicted value(s)` : '',
    pReturn > 0 ? `${pReturn} return probabilit${pReturn === 1 ? 'y' : 'ies'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `not promoted: ${what} of ${scored.customerIds.length} customers are not finite numbers`;
}

/**
 * Flags of a version from its evaluation: it ranks the validation window's customers worse (a lower
 * normalized Gini) than the last-window baseline. Such a model may still be promoted when there is no
 * champion (something must serve), but nobody should mistake it for a good one.
 * @param systems the evaluation's metrics by system; `model` is the evaluated system's name
 */
export function modelFlags(
  systems: Readonly<Record<string, { gini: number }>> | undefined,
  model: string,
): ModelFlag[] {
  const own = systems?.[model]?.gini;
  const baseline = systems?.[RANKING_BASELINE]?.gini;
  if (own === undefined || baseline === undefined || !Number.isFinite(baseline)) return [];
  if (own >= baseline) return [];
  const shown = Number.isFinite(own) ? own.toFixed(4) : String(own);
  return [
    {
      code: 'ranks_below_baseline',
      message: `ranks customers worse than the ${RANKING_BASELINE} baseline on its validation window (Gini ${shown} < ${baseline.toFixed(4)}): its predictions are no better than "the last period repeats"`,
    },
  ];
}
