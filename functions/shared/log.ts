/** Fields of a structured log line; keep them to identifiers and counts, never customer data. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * Write one JSON log line (CloudWatch Logs Insights queries its keys). Stable keys across functions:
 * `dataset`, `source`, `modelVersion`, `durationMs`; errors carry `error` (the message only).
 */
export function logEvent(level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}
