import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderLogCsv } from '../../lib/generate/order-log';
import { type IngestReport, ingestUpload, loadNormalizedTransactions } from '../../lib/ingest';
import { readChampion } from '../../lib/registry/champion';
import { latestVersion } from '../../lib/registry/model-versions';
import { getJson, getText, putJson } from '../../lib/store/blob-store';
import { championKey, ingestKeys, metaKey, versionPrefix } from '../../lib/store/bucket-layout';
import { trainStoredDataset } from '../../lib/training/train-stored-dataset';
import { localStack } from '../../scripts/local-stack';
import { bucketStore as store, uniqueDataset, waitForReport } from '../../scripts/stack-client';
import { failingStore, InjectedS3Error } from '../support/failing-store';
import { postedCustomer } from '../support/posted-customer';
import { PROJECT_ROOT } from '../support/shell';

/**
 * Faults on the local stack (the real S3 server, the offline API): an S3 error at every step of an ingest
 * and of a model publication, a training killed half way, a corrupt champion pointer, a promotion while
 * requests run. What cannot be made to happen here is faked, and only that: S3 errors come from a
 * wrapper around the real bucket that fails the n-th request (test/support/failing-store.ts), and the
 * killed training pauses at a chosen write so the kill lands there (test/support/train-until-paused.ts).
 * Trainings run in this process (a few epochs) on the bucket the API serves from.
 */
const FAST = { fit: { epochs: 2, members: 1 } };
const VERSION_FILES = ['model.json', 'weights.bin', 'meta.json', 'predictions.csv', 'report.html'];

async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${localStack.apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: JSON.parse(await response.text()) };
}

/** The error is the injected S3 failure, thrown as it is or wrapped (as its cause). */
function expectInjected(error: unknown): void {
  const chain = [error, (error as { cause?: unknown } | undefined)?.cause];
  expect(
    chain.some((e) => e instanceof InjectedS3Error || /injected S3 failure/.test(String(e))),
    String(error),
  ).toBe(true);
}

/** Every file of a version is there and its meta.json reads: a version a pointer may name. */
async function expectComplete(dataset: string, version: string): Promise<void> {
  for (const file of VERSION_FILES)
    expect(
      await store.head(`${versionPrefix(dataset, version)}/${file}`),
      `${version}/${file}`,
    ).toBeDefined();
  expect(await getJson(store, metaKey(dataset, version))).toMatchObject({ version });
}

describe('faults on the local stack', () => {
  const dataset = uniqueDataset('faults');
  let request: { dataset: string; customers: ReturnType<typeof postedCustomer>[] };

  /** GET /model and POST /predict both answer 200 from one version, which is returned. */
  async function served(): Promise<string> {
    const model = await api('GET', `/model?dataset=${dataset}`);
    const predict = await api('POST', '/predict', request);
    expect([model.status, predict.status], JSON.stringify([model.body, predict.body])).toEqual([200, 200]);
    return predict.body.modelVersion;
  }

  beforeAll(async () => {
    await store.put(`uploads/${dataset}/orders.csv`, orderLogCsv({ customers: 300, seed: 5, days: 730 }));
    await waitForReport(dataset, 'orders');
    const first = await trainStoredDataset(store, dataset, FAST);
    expect(first.promoted).toBe(true);
    const table = await loadNormalizedTransactions(store, dataset);
    request = { dataset, customers: [postedCustomer(table, table.customerIds[3] as string)] };
    expect(await served()).toBe(first.version);
  }, 300_000);

  it('fails an ingest at each of its S3 requests in turn: nothing half-written is read, and a retry completes it', async () => {
    // Prepare: an upload, ingested cleanly by the stack's trigger; its outputs are then removed.
    const ingested = uniqueDataset('ingest-fault');
    const key = `uploads/${ingested}/orders.csv`;
    await store.put(key, orderLogCsv({ customers: 60, seed: 9, days: 400 }));
    const clean = await waitForReport(ingested, 'orders');
    const outputs = ingestKeys(ingested, 'orders');
    for (const output of Object.values(outputs)) await store.delete(output);

    // Act: fail the 1st request, then the 2nd, … until an ingest makes fewer requests than the failing one.
    const failures: number[] = [];
    let report: IngestReport | undefined;
    for (let n = 1; n < 200 && !report; n++) {
      const { store: faulty } = failingStore(store, n);
      try {
        report = await ingestUpload(faulty, key);
      } catch (e: unknown) {
        expectInjected(e);
        failures.push(n);
        // Assess each failure: the report (the commit marker) is absent or whole, and training would
        // read all the accepted rows or none.
        const marker = await getJson<IngestReport>(store, outputs.report);
        if (marker) expect(marker).toMatchObject({ status: 'ok', rowsAccepted: clean.rowsAccepted });
        const rows = (await loadNormalizedTransactions(store, ingested)).length;
        expect([0, clean.rowsAccepted], `rows readable after failing request ${n}`).toContain(rows);
      }
    }

    // Assess: every request was failed once, and the last try gave the clean result.
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(report).toMatchObject({
      status: 'ok',
      rowsRead: clean.rowsRead,
      rowsAccepted: clean.rowsAccepted,
      rowsRejected: clean.rowsRejected,
    });
    expect((await loadNormalizedTransactions(store, ingested)).length).toBe(clean.rowsAccepted);
  }, 600_000);

  it('fails a model publication at each of its S3 writes in turn: the pointer only ever names a complete version, and the API keeps answering', async () => {
    // Act: fail the 1st write of a training, then the 2nd, … until one publishes.
    const failures: number[] = [];
    const pointed = new Set([(await readChampion(store, dataset))?.pointer.version as string]);
    let published: string | undefined;
    for (let n = 1; n < 30 && !published; n++) {
      const { store: faulty } = failingStore(store, n, 'writes');
      try {
        published = (await trainStoredDataset(faulty, dataset, FAST)).version;
      } catch (e: unknown) {
        expectInjected(e);
        failures.push(n);
        // Assess each failure: the pointer names a complete version, and the API answers from one it named.
        const pointer = (await readChampion(store, dataset))?.pointer.version as string;
        pointed.add(pointer);
        await expectComplete(dataset, pointer);
        expect([...pointed]).toContain(await served());
      }
    }

    // Assess: model files, predictions, meta.json, report and the pointer were each failed once.
    expect(failures.length).toBeGreaterThanOrEqual(5);
    expect(published).toBeDefined();
    await expectComplete(dataset, (await readChampion(store, dataset))?.pointer.version as string);
  }, 900_000);

  it('survives a training killed half way through its publication: the champion and the API are untouched', async () => {
    // Prepare
    const before = (await readChampion(store, dataset))?.pointer.version as string;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/train-until-paused.ts', dataset],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));

    // Act: killed right after the new version's model.json was written.
    const killedAt = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pause within 5 min: ${output}`)), 300_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const paused = /PAUSED after (\S+)/.exec(output);
        if (paused) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(paused[1] as string);
        }
      });
    });
    await exited;
    const killed = killedAt.split('/')[2] as string;

    // Assess: the half-written version is not the champion, not "the latest version", not served.
    expect(await store.head(killedAt)).toBeDefined();
    expect(await store.head(metaKey(dataset, killed))).toBeUndefined();
    expect((await readChampion(store, dataset))?.pointer.version).toBe(before);
    expect(await latestVersion(store, dataset)).not.toBe(killed);
    expect(await served()).not.toBe(killed);
    // And the next training publishes as usual, beside the orphaned files.
    const next = await trainStoredDataset(store, dataset, FAST);
    await expectComplete(dataset, next.version);
  }, 600_000);

  it('answers every request while a training publishes and promotes, from the old model and then the new one', async () => {
    // Prepare
    const old = (await readChampion(store, dataset))?.pointer.version as string;
    const statuses: number[] = [];
    const versions = new Set<string>();
    let next: string | undefined;
    const clients = Array.from({ length: 4 }, async () => {
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline && !(next && versions.has(next))) {
        const { status, body } = await api('POST', '/predict', request);
        statuses.push(status);
        if (status === 200) versions.add(body.modelVersion);
        await sleep(50);
      }
    });

    // Act: a training publishes while the clients run; its version is made champion if the rule kept the old.
    const trained = await trainStoredDataset(store, dataset, FAST);
    if (!trained.promoted) {
      const current = await readChampion(store, dataset);
      await putJson(store, championKey(dataset), { ...current?.pointer, version: trained.version });
    }
    next = trained.version;
    await Promise.all(clients);

    // Assess: no failed request; the old model (workers refresh on their own, so an earlier champion may
    // still answer for a few seconds) and then the new one, every one of them complete.
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(versions).toContain(old);
    expect(versions).toContain(next);
    for (const version of versions) await expectComplete(dataset, version);
  }, 900_000);

  describe('a corrupt champion pointer', () => {
    let pointerText: string | undefined;
    beforeAll(async () => {
      pointerText = await getText(store, championKey(dataset));
    });
    afterAll(async () => {
      if (pointerText) await store.put(championKey(dataset), pointerText);
    });

    it('keeps the API answering from the last good model past the refresh interval', async () => {
      // Prepare: the version served now; then the pointer is truncated (a hand edit saved half way).
      const good = await served();
      await store.put(championKey(dataset), '{"version": "2026');

      // Act: requests for longer than MODEL_REFRESH_SECONDS (30 s), so every worker reads the bad pointer.
      const versions = new Set<string>();
      const deadline = Date.now() + 40_000;
      while (Date.now() < deadline) {
        versions.add(await served());
        await sleep(500);
      }

      // Assess
      expect([...versions]).toEqual([good]);
    }, 120_000);

    it('answers 503 saying what to do, never 500, for a dataset that never had a readable pointer', async () => {
      // Prepare
      const torn = uniqueDataset('torn');
      await store.put(championKey(torn), '{"version": "2026');

      // Act
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await api('GET', `/model?dataset=${torn}`));

      // Assess
      for (const { status, body } of answers) {
        expect(status, JSON.stringify(body)).toBe(503);
        expect(body.error).toMatchObject({
          code: 'MODEL_UNAVAILABLE',
          message: expect.stringMatching(/is corrupt: point it at a good version, or train the dataset/),
        });
      }
    });
  });
});
