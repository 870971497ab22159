// esbuild plugins for serverless-esbuild (custom.esbuild.plugins in serverless.yml).
const { copyFileSync, readdirSync } = require('node:fs');
const path = require('node:path');

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/**
 * TF.js's wasm backend loads its .wasm binaries from disk at run time; esbuild cannot bundle them, and
 * without them the backend silently falls back to the ~3x slower cpu one. Copy `tfjs-backend-wasm*.wasm`
 * next to every bundle that includes the wasm backend (lib/model/tf-backend.ts looks there first).
 */
const copyTfjsWasm = {
  name: 'copy-tfjs-wasm',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const usesWasm = Object.keys(result.metafile.inputs).some((input) => input.includes(WASM_PACKAGE));
      if (!usesWasm) return;
      const outDir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile);
      const dist = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'dist');
      for (const file of readdirSync(dist).filter((f) => /^tfjs-backend-wasm.*\.wasm$/.test(f)))
        copyFileSync(path.join(dist, file), path.join(outDir, file));
    });
  },
};

module.exports = [copyTfjsWasm];
