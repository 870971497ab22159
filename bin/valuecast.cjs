#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader: no build step between a clone and `npx valuecast`.
require('tsx/cjs');
require('../cli/main.ts').main(process.argv.slice(2));
