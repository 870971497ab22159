import { customerMixture } from '../features/customer-outlook';
import { type RepeatTracking, repeatTracking } from '../features/repeat-tracking';
import type { TransactionTable } from '../ingest/transaction-table';
import { type IntervalCoverage, intervalCoverage, spendIntervals } from '../model/spend-distribution';
import type { ValueModelFit } from './fit-value-model';

/** What the validation window says of the outlook: the 80% intervals' coverage and the tracking plot. */
export interface ValidationOutlook {
  interval?: IntervalCoverage;
  tracking?: RepeatTracking;
}

/**
 * The evaluation fit's 80% intervals against what its customers really spent in the window (`actual`,
 * aligned with `fit.scoring`), and its money level's weekly forecast of their repeat purchase days against
 * theirs (`table` holds the window's transactions).
 */
export function validationOutlook(
  fit: ValueModelFit,
  table: TransactionTable,
  actual: Float32Array,
): ValidationOutlook {
  const mixture = customerMixture(fit.model, fit.featureSpec, fit.scoring);
  const seasonal = fit.featureSpec.seasonal;
  return {
    ...(mixture && { interval: intervalCoverage(mixture, spendIntervals(mixture), actual) }),
    ...(seasonal && {
      tracking: repeatTracking(table, fit.asOf, fit.scoring.customers, seasonal, fit.horizonDays),
    }),
  };
}
