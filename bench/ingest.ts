/**
 * Ingestion throughput and peak memory: `npx tsx bench/ingest.ts [--rows N] [--skip-generated]`.
 * 1. The Online Retail folder (305 files, 541,909 rows) loaded into a TransactionTable (what backtest/train do),
 * 2. the same folder through ingestStream (Parquet + quarantine + reports into a temporary FsBlobStore),
 * 3. a generated file of N rows (default 15,000,000 ≈ 1 GB) under os.tmpdir() through ingestStream.
 * Prints wall and CPU time (CPU is steadier on a shared machine) and peak RSS sampled every 50 ms.
 * Temporary files are deleted at the end.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expandInputPaths, ingestStream, loadTransactionsFromFiles, sourceNameOf } from '../lib/ingest';
import { FsBlobStore } from '../lib/store/fs-store';

const root = path.resolve(__dirname, '..');
const onlineRetail = path.resolve(root, '../shared/data/online-retail-uci/by-day');

/** Run `work` and report its wall time and the peak RSS seen while it ran. */
async function measure<T>(label: string, rows: (result: T) => number, work: () => Promise<T>): Promise<T> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  // CPU time is the steadier figure on a shared machine, where wall time includes waiting for a core.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const n = rows(result);
  console.log(
    `${label}: ${n.toLocaleString('en')} rows in ${seconds.toFixed(2)} s wall (${Math.round(n / seconds).toLocaleString('en')} rows/s), ` +
      `${cpuSeconds.toFixed(2)} s CPU (${Math.round(n / cpuSeconds).toLocaleString('en')} rows/CPU-s), peak RSS ${Math.round(peak / 2 ** 20)} MB`,
  );
  return result;
}

/** A seeded order export: customers, ISO timestamps, amounts (some returns), order ids, countries, channels. */
async function generate(file: string, rows: number): Promise<void> {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const countries = ['United Kingdom', 'France', 'Germany', 'Spain', 'Netherlands'];
  const channels = ['web', 'store', 'app'];
  const out = createWriteStream(file);
  out.write('order_id,customer_id,created_at,total,country,channel\n');
  const start = Date.UTC(2020, 0, 1);
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const customer = `C${String(Math.floor(random() ** 2 * 500_000)).padStart(6, '0')}`;
    const ts = new Date(start + Math.floor(random() * 3 * 365 * 86_400_000))
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    const amount = ((random() < 0.03 ? -1 : 1) * random() * 300).toFixed(2);
    const country = countries[Math.floor(random() ** 3 * countries.length)];
    const channel = channels[Math.floor(random() * channels.length)];
    batch += `O${i},${customer},${ts},${amount},${country},${channel}\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '15000000' }, 'skip-generated': { type: 'boolean' } },
  });
  const temp = await mkdtemp(path.join(tmpdir(), 'valuecast-bench-ingest-'));
  try {
    await measure(
      'Online Retail folder → TransactionTable (loadTransactionsFromFiles)',
      (r) => r.reports.reduce((a, x) => a + x.rowsRead, 0),
      () => loadTransactionsFromFiles([onlineRetail]),
    );
    const out = new FsBlobStore(path.join(temp, 'bucket'));
    await measure(
      'Online Retail folder → Parquet + quarantine + reports (ingestStream)',
      (reports) => reports.reduce((a, x) => a + x.rowsRead, 0),
      async () => {
        const reports = [];
        for (const file of await expandInputPaths([onlineRetail])) {
          reports.push(
            await ingestStream({
              open: async () => createReadStream(file),
              dataset: 'retail',
              source: sourceNameOf(file),
              out,
            }),
          );
        }
        return reports;
      },
    );
    if (values['skip-generated']) return;
    const rows = Number(values.rows);
    const generated = path.join(temp, 'generated.csv');
    const t = performance.now();
    await generate(generated, rows);
    const size = (await stat(generated)).size;
    console.log(
      `generated ${rows.toLocaleString('en')} rows, ${(size / 1e9).toFixed(2)} GB in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const report = await measure(
      `generated file (${(size / 1e9).toFixed(2)} GB) → Parquet + report (ingestStream)`,
      (r) => r.rowsRead,
      () =>
        ingestStream({
          open: async () => createReadStream(generated),
          dataset: 'generated',
          source: 'orders',
          out,
        }),
    );
    const parquet = await stat(path.join(out.root, 'normalized/generated/orders.parquet'));
    console.log(
      `  accepted ${report.rowsAccepted.toLocaleString('en')}, customers ${report.customers.toLocaleString('en')}, parquet ${(parquet.size / 1e6).toFixed(0)} MB, status ${report.status}`,
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
