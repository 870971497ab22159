import { existsSync } from 'node:fs';
import path from 'node:path';
// A named import used below, not a bare `import '…'`: tfjs-backend-cpu's package.json marks its Node
// entry as free of side effects, so esbuild drops a bare import and a bundle has no cpu backend at all.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

/** The backends valuecast can run TF.js on. `node` is opt-in: its package is not a dependency. */
export type BackendChoice = 'wasm' | 'cpu' | 'node';

/** The backend could not be set up as asked (explicit `TF_BACKEND`), so nothing silently runs slower. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** The variable that overrides the backend choice. */
export const BACKEND_ENV = 'TF_BACKEND';

const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
// Referenced through a variable so bundlers leave the import alone: the package is optional.
const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

let ready: Promise<string> | undefined;

/**
 * Select and initialise the TF.js backend once per process; later calls return the same promise.
 * Default: wasm, falling back to cpu with a logged reason. `TF_BACKEND=wasm|cpu|node` forces one and
 * throws {@link BackendUnavailableError} when it cannot be had. Resolves to the active backend name
 * (`tensorflow` for tfjs-node).
 */
export function initBackend(): Promise<string> {
  ready ??= startBackend(parseBackendChoice(process.env[BACKEND_ENV])).catch((e: unknown) => {
    ready = undefined;
    throw e;
  });
  return ready;
}

/** Read a `TF_BACKEND` value: `undefined` means the default (wasm, else cpu). */
export function parseBackendChoice(value: string | undefined): BackendChoice | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'wasm' || value === 'cpu' || value === 'node') return value;
  throw new BackendUnavailableError(`${BACKEND_ENV}=${value} is not a backend; use wasm, cpu or node`);
}

/**
 * Switch TF.js to a backend now (not memoized: {@link initBackend} is the entry point; this one exists
 * for tests and tools that compare backends). Resolves to the active backend's name.
 */
export async function startBackend(choice: BackendChoice | undefined): Promise<string> {
  // PROD silences TF.js's console chatter ("install tfjs-node") and skips per-op debug checks.
  tf.env().set('PROD', true);
  if (choice === 'node') return useNode();
  if (choice === 'cpu') return use('cpu');
  try {
    return await useWasm();
  } catch (e: unknown) {
    if (choice === 'wasm') throw e;
    const reason = e instanceof Error ? e.message : String(e);
    console.warn(
      `valuecast: TF.js wasm backend unavailable (${reason}); using tfjs-backend-cpu ${version_cpu}, about 3x slower`,
    );
    return use('cpu');
  }
}

async function use(name: string): Promise<string> {
  if (!(await tf.setBackend(name)))
    throw new BackendUnavailableError(`TF.js backend ${name} failed to start`);
  await tf.ready();
  return tf.getBackend();
}

async function useWasm(): Promise<string> {
  const dir = findWasmDirectory();
  if (dir === undefined) {
    throw new BackendUnavailableError(
      `${WASM_BINARY} not found next to the code nor in @tensorflow/tfjs-backend-wasm/dist (copy the .wasm files next to the bundle)`,
    );
  }
  setWasmPaths(`${dir}${path.sep}`);
  // setBackend resolves false (it does not throw) when the binary cannot be loaded: check, or wasm
  // would silently stay unselected and TF.js would pick cpu on its own.
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') {
    throw new BackendUnavailableError(`TF.js wasm backend failed to load ${path.join(dir, WASM_BINARY)}`);
  }
  return tf.getBackend();
}

/** Where the `.wasm` binaries are: next to the bundle (Lambda), else in the installed package (dev). */
export function findWasmDirectory(): string | undefined {
  const candidates = [__dirname];
  try {
    candidates.push(
      path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
    );
  } catch {
    // Bundled without node_modules: only the bundle's own directory can hold the binaries.
  }
  return candidates.find((dir) => existsSync(path.join(dir, WASM_BINARY)));
}

async function useNode(): Promise<string> {
  try {
    await import(TFJS_NODE_PACKAGE);
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new BackendUnavailableError(
      `${BACKEND_ENV}=node needs @tensorflow/tfjs-node: npm i @tensorflow/tfjs-node (downloads libtensorflow; over Lambda's size limit) [${reason}]`,
    );
  }
  return use('tensorflow');
}
