#!/usr/bin/env node
// The `allot` command. It runs the compiled build in dist/ (made by `npm run build`, which
// `npm install` and `npm pack` run through `prepare`); the server with V8's code cache (load-dist.js).
// In a clone where dist/ is missing or older than src/, it runs the sources through tsx instead,
// slower to start but never out of date, and says so on stderr (docs/decisions.md, "Running the
// compiled build").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { distEntry, distState, packageRoot, serveEntry } from './dist-state.js';

const state = distState();
let main;
let tsx;
let hooks = {};
if (state === 'fresh') {
  ({ main } = createRequire(import.meta.url)(distEntry));
  // The server with V8's code cache of it (load-dist.js); the client commands without it.
  hooks = {
    loadServer: async () => (await import('./load-dist.js')).loadWithCodeCache(serveEntry),
  };
} else if (existsSync(join(packageRoot, 'src', 'cli', 'main.ts')) && (tsx = await import('tsx/esm/api').catch(() => null)) !== null) {
  process.stderr.write(`allot: dist/ is ${state === 'missing' ? 'missing' : 'older than src/'}; running src/ through tsx (npm run build makes allot start fast)\n`);
  tsx.register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  process.stderr.write(`allot: its compiled build (dist/) is ${state}; run npm run build in ${packageRoot}\n`);
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2), hooks);
