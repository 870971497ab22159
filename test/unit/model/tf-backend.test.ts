import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  findWasmDirectory,
  initBackend,
  parseBackendChoice,
  startBackend,
} from '../../../lib/model/tf-backend';

describe('TF.js backend selection', () => {
  it('runs on wasm by default, not silently on cpu', async () => {
    // Prepare
    delete process.env.TF_BACKEND;

    // Act
    const name = await initBackend();

    // Assess
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual(new Float32Array([2, 3]));
  });

  it('finds the wasm binaries it loads', () => {
    // Act
    const dir = findWasmDirectory();

    // Assess
    expect(dir).toBeDefined();
    expect(existsSync(path.join(dir as string, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('explains how to get tfjs-node when TF_BACKEND=node and it is not installed', async () => {
    // Act
    const attempt = startBackend(parseBackendChoice('node'));

    // Assess
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/npm i @tensorflow\/tfjs-node.*Lambda's size limit/);
  });

  it('rejects an unknown TF_BACKEND value with the allowed ones', () => {
    // Act + Assess
    expect(() => parseBackendChoice('gpu')).toThrow(/TF_BACKEND=gpu is not a backend; use wasm, cpu or node/);
  });
});
