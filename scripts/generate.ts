import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { terminalProgress } from '../cli/progress';
import { generateOrderLog, ORDER_LOG_HEADER, type OrderLogOptions } from '../lib/generate/order-log';

/**
 * `npm run generate -- --customers N --out <dir> [--seed S] [--start YYYY-MM-DD] [--days D]`
 * writes a seeded, realistic order export split by month (`orders-YYYY-MM.csv`), as shops export them.
 */
export async function generateToDirectory(
  options: OrderLogOptions & { out: string; onProgress?: (rows: number) => void },
): Promise<{ rows: number; files: string[]; bytes: number }> {
  mkdirSync(options.out, { recursive: true });
  const files = new Map<string, { fd: number; buffer: string[]; size: number }>();
  let rows = 0;
  let bytes = 0;
  const flush = (file: { fd: number; buffer: string[]; size: number }) => {
    const text = file.buffer.join('');
    writeSync(file.fd, text);
    bytes += Buffer.byteLength(text);
    file.buffer = [];
    file.size = 0;
  };
  for (const line of generateOrderLog(options)) {
    const month = new Date(line.time).toISOString().slice(0, 7);
    let file = files.get(month);
    if (!file) {
      const fd = openSync(path.join(options.out, `orders-${month}.csv`), 'w');
      file = { fd, buffer: [`${ORDER_LOG_HEADER.join(',')}\n`], size: 0 };
      files.set(month, file);
    }
    const text = `${line.fields.join(',')}\n`;
    file.buffer.push(text);
    file.size += text.length;
    if (file.size > 1 << 20) flush(file);
    if (++rows % 100_000 === 0) options.onProgress?.(rows);
  }
  for (const file of files.values()) {
    flush(file);
    closeSync(file.fd);
  }
  return { rows, files: [...files.keys()].sort().map((m) => `orders-${m}.csv`), bytes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '10000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '42' },
      start: { type: 'string' },
      days: { type: 'string' },
    },
  });
  const customers = Number(values.customers);
  if (!values.out) throw new Error('--out <dir> is required');
  if (!Number.isInteger(customers) || customers <= 0)
    throw new Error('--customers must be a positive integer');
  const progress = terminalProgress();
  const result = await generateToDirectory({
    customers,
    out: values.out,
    seed: Number(values.seed),
    start: values.start,
    days: values.days === undefined ? undefined : Number(values.days),
    onProgress: (rows) => progress.update(`generated ${rows.toLocaleString('en')} rows`),
  });
  progress.done(
    `wrote ${result.rows.toLocaleString('en')} rows (${(result.bytes / 1e6).toFixed(1)} MB) in ${result.files.length} files to ${values.out}`,
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`generate: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
