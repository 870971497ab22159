import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const wasmDist = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

/** Backend selection as a Lambda bundle runs it: one esbuild file, no node_modules beside it. */
describe('TF.js backends in an esbuild bundle', () => {
  let dir: string;
  const runBundle = async (env: Record<string, string>) =>
    run(process.execPath, [path.join(dir, 'index.js')], { env: { ...process.env, TF_BACKEND: '', ...env } });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'valuecast-bundle-'));
    await build({
      stdin: {
        contents: `import * as tf from '@tensorflow/tfjs-core';
          import { initBackend } from './lib/model/tf-backend';
          initBackend().then((name) => console.log(name, tf.tidy(() => tf.add(tf.scalar(1), 2).dataSync()[0])));`,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: path.join(dir, 'index.js'),
      logLevel: 'silent',
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to a working cpu backend, saying why, when the .wasm files were not copied', async () => {
    // Act
    const { stdout, stderr } = await runBundle({});

    // Assess
    expect(stdout.trim()).toBe('cpu 3');
    expect(stderr).toMatch(/wasm backend unavailable .*copy the \.wasm files next to the bundle/);
  });

  it('runs on wasm once the .wasm files sit next to the bundle', async () => {
    // Prepare
    for (const file of (await readdir(wasmDist)).filter((f) => f.endsWith('.wasm'))) {
      await copyFile(path.join(wasmDist, file), path.join(dir, file));
    }

    // Act
    const { stdout } = await runBundle({});

    // Assess
    expect(stdout.trim()).toBe('wasm 3');
  });
});
