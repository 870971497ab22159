import { existsSync } from 'node:fs';
import path from 'node:path';

/** CDNOW ships with the repository (data/cdnow/SOURCE.md: source, format and terms). */
export const CDNOW_MASTER = path.resolve(__dirname, '../../data/cdnow/CDNOW_master.txt');
export const CDNOW_SAMPLE = path.resolve(__dirname, '../../data/cdnow/CDNOW_sample.txt');

/**
 * The variable naming a folder of larger datasets the repository does not ship (README "Configuration"):
 * Online Retail (UCI) as `online-retail-uci/by-day/*.csv`, one file a day.
 */
export const DATA_DIR_VARIABLE = 'VALUECAST_DATA_DIR';

/** `$VALUECAST_DATA_DIR/online-retail-uci/by-day`, or why it cannot be used. */
export function onlineRetailData(
  env: NodeJS.ProcessEnv = process.env,
): { days: string; missing?: undefined } | { days?: undefined; missing: string } {
  const dir = env[DATA_DIR_VARIABLE];
  const wanted = `set ${DATA_DIR_VARIABLE} to a folder holding online-retail-uci/by-day/*.csv`;
  if (!dir) return { missing: `${DATA_DIR_VARIABLE} is not set: ${wanted}` };
  const days = path.resolve(dir, 'online-retail-uci/by-day');
  if (!existsSync(days)) return { missing: `${DATA_DIR_VARIABLE}=${dir} has no ${days}: ${wanted}` };
  return { days };
}

const onlineRetail = onlineRetailData();

/** The Online Retail folder, or `undefined` when tests that need it skip (`it.skipIf(!ONLINE_RETAIL_DAYS)`). */
export const ONLINE_RETAIL_DAYS = onlineRetail.days;

/**
 * A test's title, plus why it is skipped when Online Retail is absent, which is also printed (a skipped
 * test's title shows only in verbose reports): the run says what to set.
 */
export function needsOnlineRetail(title: string): string {
  if (onlineRetail.missing === undefined) return title;
  console.warn(`skipped "${title}": ${onlineRetail.missing}`);
  return `${title} (skipped: ${onlineRetail.missing})`;
}

/**
 * The Online Retail folder, for scripts that cannot do without it (bench/).
 * @throws Error naming {@link DATA_DIR_VARIABLE} when it is unset or holds no Online Retail folder
 */
export function requireOnlineRetailDays(): string {
  if (onlineRetail.days === undefined) throw new Error(`Online Retail is needed: ${onlineRetail.missing}`);
  return onlineRetail.days;
}
