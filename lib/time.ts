/** Milliseconds in a day: timestamps are epoch milliseconds (UTC), and horizons and windows are whole days. */
export const DAY_MS = 86_400_000;
