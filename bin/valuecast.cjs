#!/usr/bin/env node
// The CLI is TypeScript run by Node with tsx's loader: no build step between a clone and `npx valuecast`.
// A child process because tsx's ESM hooks (needed for lazily imported commands) load only via --import.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'cli', 'main.ts');
const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (result.error) throw result.error;
process.exitCode = result.status ?? 1;
