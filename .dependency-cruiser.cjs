// The layering of docs/architecture.md, enforced by `npm run layers` (part of `npm test`). Layers, top to
// bottom; an import may only point down, or stay inside its own folder:
//   entry points   functions/ cli/ scripts/ bench/
//   lib/serving/   lib/training/      (neither imports the other)
//   lib/report/
//   lib/registry/  the model registry: meta.json, the champion pointer, loading a version
//   lib/evaluate/
//   lib/features/
//   lib/model/
//   lib/generate/  synthetic shops: scripts, bench and tests only
//   lib/ingest/
//   lib/store/     the storage port and the bucket layout
//   lib/engine/    the one module that opens DuckDB (ingest, features and training's data load use it)
//   lib/*.ts       leaves (config, random, time): import no other lib module
// One rule per arrow that must not exist, named for what it forbids. Type-only imports are arrows too
// (tsPreCompilationDeps): a type is as much a dependency as a value.

/** Every lib folder at or above a layer, as one path pattern. */
const above = (...folders) => `^lib/(${folders.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle of imports: no layer may depend on itself through others. Move the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-entry-points',
      comment: 'lib/ is the domain: it never imports an entry point (functions/, cli/, scripts/, bench/).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(functions|cli|scripts|bench)/' },
    },
    {
      name: 'nothing-imports-test',
      comment: 'Only tests and benchmarks may import test/ (fixtures, test support): no shipped code does.',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^test/' },
    },
    {
      name: 'functions-not-other-entry-points',
      comment: 'A Lambda bundles functions/ and lib/ only: it never imports cli/, scripts/ or bench/.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(cli|scripts|bench)/' },
    },
    {
      name: 'cli-not-other-entry-points',
      comment: 'The CLI ships in the package: it never imports functions/, scripts/ or bench/.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(functions|scripts|bench)/' },
    },
    {
      name: 'scripts-not-bench',
      comment: 'Development scripts never import a benchmark.',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^bench/' },
    },
    {
      name: 'serving-not-training',
      comment: 'Serving and training are side by side: what both need (the registry) sits below them.',
      severity: 'error',
      from: { path: '^lib/serving/' },
      to: { path: '^lib/training/' },
    },
    {
      name: 'training-not-serving',
      comment: 'Serving and training are side by side: what both need (the registry) sits below them.',
      severity: 'error',
      from: { path: '^lib/training/' },
      to: { path: '^lib/serving/' },
    },
    {
      name: 'report-not-training',
      comment:
        'lib/report draws what training and backtests give it: it imports neither training nor serving.',
      severity: 'error',
      from: { path: '^lib/report/' },
      to: { path: above('training', 'serving') },
    },
    {
      name: 'registry-below-training-serving-report',
      comment: 'The model registry is shared by training, serving and report: it imports none of them.',
      severity: 'error',
      from: { path: '^lib/registry/' },
      to: { path: above('training', 'serving', 'report') },
    },
    {
      name: 'evaluate-below-registry',
      comment: 'lib/evaluate (metrics, the backtest) sits below the registry and everything above it.',
      severity: 'error',
      from: { path: '^lib/evaluate/' },
      to: { path: above('training', 'serving', 'report', 'registry') },
    },
    {
      name: 'features-below-evaluate',
      comment: 'lib/features is what evaluation, training and serving share: it imports none of them.',
      severity: 'error',
      from: { path: '^lib/features/' },
      to: { path: above('training', 'serving', 'report', 'registry', 'evaluate') },
    },
    {
      name: 'model-not-features',
      comment: 'lib/features may use lib/model (BG/NBD, Gamma-Gamma), never the other way round.',
      severity: 'error',
      from: { path: '^lib/model/' },
      to: { path: above('training', 'serving', 'report', 'registry', 'evaluate', 'features') },
    },
    {
      name: 'production-not-generate',
      comment:
        'lib/generate makes synthetic shops for scripts, benchmarks and tests; shipped code never uses it.',
      severity: 'error',
      from: { path: '^(lib|functions|cli)/', pathNot: '^lib/generate/' },
      to: { path: '^lib/generate/' },
    },
    {
      name: 'generate-below-model',
      comment: 'lib/generate writes raw exports: it imports nothing above lib/ingest.',
      severity: 'error',
      from: { path: '^lib/generate/' },
      to: { path: above('training', 'serving', 'report', 'registry', 'evaluate', 'features', 'model') },
    },
    {
      name: 'ingest-below-features',
      comment: 'lib/ingest turns files into TransactionTables: it imports only lib/store and the leaves.',
      severity: 'error',
      from: { path: '^lib/ingest/' },
      to: {
        path: above('training', 'serving', 'report', 'registry', 'evaluate', 'features', 'model', 'generate'),
      },
    },
    {
      name: 'store-at-bottom',
      comment: 'lib/store (the storage port, its adapters, the bucket layout) imports no other lib folder.',
      severity: 'error',
      from: { path: '^lib/store/' },
      to: { path: '^lib/[^/]+/', pathNot: '^lib/store/' },
    },
    {
      name: 'engine-at-bottom',
      comment: 'lib/engine (the one module that opens DuckDB) imports no other lib folder.',
      severity: 'error',
      from: { path: '^lib/engine/' },
      to: { path: '^lib/[^/]+/', pathNot: '^lib/engine/' },
    },
    {
      name: 'leaves-import-nothing',
      comment: 'lib/config.ts, lib/random.ts and lib/time.ts are leaves: they import no other lib module.',
      severity: 'error',
      from: { path: '^lib/[^/]+\\.ts$' },
      to: { path: '^lib/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
