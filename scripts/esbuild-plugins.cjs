// esbuild plugins for serverless-esbuild (custom.esbuild.plugins in serverless.yml).
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const path = require('node:path');

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/**
 * Files the code reads from disk at run time, which esbuild cannot bundle: each is copied next to every
 * bundle whose inputs include `usedBy`, where the code looks first.
 * - TF.js's wasm backend loads its .wasm binaries (without them it silently falls back to the ~3x slower
 *   cpu one); lib/model/tf-backend.ts looks next to the bundle.
 * - The model report inlines Chart.js's browser build into each report.html (lib/report/chart-js-source.ts,
 *   which names the file CHART_JS_FILE).
 * - The SQL the data engine runs: sql/ is copied with its folders (`into`) as sql/ next to the bundle, where
 *   lib/engine/sql-file.ts looks first.
 */
const SQL_ROOT = path.join(__dirname, '..', 'sql');
const RUNTIME_FILES = [
  {
    usedBy: WASM_PACKAGE,
    files: () => {
      const dist = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'dist');
      return readdirSync(dist)
        .filter((f) => /^tfjs-backend-wasm.*\.wasm$/.test(f))
        .map((f) => path.join(dist, f));
    },
  },
  {
    usedBy: 'lib/report/chart-js-source',
    // The package's exports hide dist/chart.umd.min.js, but its main entry sits in the same folder.
    files: () => [path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js')],
  },
  {
    usedBy: 'lib/engine/sql-file',
    files: () =>
      readdirSync(SQL_ROOT, { recursive: true })
        .filter((f) => String(f).endsWith('.sql'))
        .map((f) => path.join(SQL_ROOT, String(f))),
    into: (file) => path.join('sql', path.relative(SQL_ROOT, file)),
  },
];

const copyRuntimeFiles = {
  name: 'copy-runtime-files',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const inputs = Object.keys(result.metafile.inputs);
      const outDir = build.initialOptions.outdir ?? path.dirname(build.initialOptions.outfile);
      for (const { usedBy, files, into = path.basename } of RUNTIME_FILES) {
        if (!inputs.some((input) => input.includes(usedBy))) continue;
        for (const file of files()) {
          const target = path.join(outDir, into(file));
          mkdirSync(path.dirname(target), { recursive: true });
          copyFileSync(file, target);
        }
      }
    });
  },
};

module.exports = [copyRuntimeFiles];
