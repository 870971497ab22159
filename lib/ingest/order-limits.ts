/**
 * What a row must be to count as an order, wherever rows come from (an upload, a local file, a POST
 * /predict): ingest rejects a row outside these limits with a reason, the API answers 400 naming the field.
 * They keep one absurd row from turning a customer's features into Infinity, which would stop a dataset's
 * training or a request.
 */

/** Largest |amount| of one row (net spend of a line, in the shop's currency). */
export const MAX_ABS_AMOUNT = 1e9;
/** Earliest order instant: 1970-01-01T00:00:00Z (epoch 0); earlier dates are parsing mistakes. */
export const EARLIEST_ORDER_TIME = 0;

/** Why an amount cannot be an order's, or undefined when it can. */
export function amountProblem(amount: number): 'not_finite' | 'out_of_range' | undefined {
  if (!Number.isFinite(amount)) return 'not_finite';
  return Math.abs(amount) > MAX_ABS_AMOUNT ? 'out_of_range' : undefined;
}

/** Why an instant cannot be an order's (before 1970, or after `now`: a date in the future), or undefined. */
export function timeProblem(time: number, now: number): 'before_1970' | 'in_the_future' | undefined {
  if (!(time >= EARLIEST_ORDER_TIME)) return 'before_1970';
  return time > now ? 'in_the_future' : undefined;
}
