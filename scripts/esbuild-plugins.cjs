// esbuild plugins for serverless-esbuild (custom.esbuild.plugins in serverless.yml).
const { spawnSync } = require('node:child_process');
const { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } = require('node:fs');
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

const ROOT = path.resolve(__dirname, '..');
const BINDINGS = '@duckdb/node-bindings';

/**
 * The native DuckDB binding for the Lambda's platform. `npm ci` installs only the one of the machine it
 * runs on (x64 here, arm64 or darwin on a laptop), so the one of the deployed architecture
 * (serverless.yml `provider.architecture`, linux) is fetched once from the npm registry with `npm pack` and
 * kept in node_modules/.cache. The local stage runs the bundles on this machine (serverless offline): it
 * gets this machine's own binding.
 */
function duckdbBindingDir(outDir) {
  const local = outDir.includes(`${path.sep}.esbuild${path.sep}local${path.sep}`);
  const version = require(`${BINDINGS}/package.json`).version;
  const platform = local
    ? `${process.platform}-${process.arch}`
    : `linux-${/^\s*architecture:\s*(arm64|x86_64)\b/m.exec(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'))?.[1] === 'x86_64' ? 'x64' : 'arm64'}`;
  const name = `${BINDINGS}-${platform}`;
  const installed = path.join(ROOT, 'node_modules', name);
  if (existsSync(path.join(installed, 'duckdb.node'))) return { name, dir: installed };
  const cache = path.join(ROOT, 'node_modules', '.cache', 'valuecast-duckdb', `${platform}-${version}`);
  const dir = path.join(cache, 'package');
  if (!existsSync(path.join(dir, 'duckdb.node'))) {
    mkdirSync(cache, { recursive: true });
    const pack = spawnSync('npm', ['pack', `${name}@${version}`, '--pack-destination', cache, '--silent'], {
      encoding: 'utf8',
    });
    const tarball = pack.stdout.trim().split('\n').pop();
    if (pack.status !== 0 || !tarball) throw new Error(`npm pack ${name}@${version} failed: ${pack.stderr}`);
    const untar = spawnSync('tar', ['-xzf', path.join(cache, tarball), '-C', cache], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`could not unpack ${tarball}: ${untar.stderr}`);
  }
  return { name, dir };
}

/**
 * What a bundle that uses DuckDB needs beside it: `@duckdb/node-api` is bundled, but it requires
 * `@duckdb/node-bindings` (serverless.yml keeps it external), which loads the native binding of the
 * platform, so node_modules/ next to the bundle gets the loader, its detect-libc and the binding (sql/
 * comes with lib/engine/sql-file, in RUNTIME_FILES).
 */
function copyDuckdbFiles(outDir) {
  const modules = path.join(outDir, 'node_modules');
  const loader = path.dirname(require.resolve(`${BINDINGS}/package.json`));
  cpSync(loader, path.join(modules, BINDINGS), { recursive: true });
  cpSync(path.dirname(require.resolve('detect-libc/package.json')), path.join(modules, 'detect-libc'), {
    recursive: true,
  });
  const binding = duckdbBindingDir(outDir);
  cpSync(binding.dir, path.join(modules, binding.name), { recursive: true });
}

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
      if (inputs.some((input) => input.includes('@duckdb/node-api'))) copyDuckdbFiles(outDir);
    });
  },
};

module.exports = [copyRuntimeFiles];
