#!/usr/bin/env node
// The `allot` command. It runs the compiled build in dist/ (made by `npm run build`, which
// `npm install` and `npm pack` run through `prepare`): `allot serve` the server's own file, with
// V8's code cache (load-dist.js), and every other command the client's. In a clone where dist/ is
// missing or older than src/, it runs the sources through tsx instead, slower to start but never
// out of date, and says so on stderr (docs/decisions.md, "Running the compiled build").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { distEntry, distState, packageRoot, serveEntry } from './dist-state.js';

const state = distState();
const args = process.argv.slice(2);
let run;
let tsx;
if (state === 'fresh' && args[0] === 'serve') {
  // Straight to the server: the client commands' code (dist/allot.cjs) is not needed to serve.
  const { loadWithCodeCache } = await import('./load-dist.js');
  const { exports, saveCodeCache } = loadWithCodeCache(serveEntry);
  run = () => exports.serveCommand(args.slice(1), { saveCodeCache });
} else if (state === 'fresh') {
  const { main } = createRequire(import.meta.url)(distEntry);
  run = () => main(args);
} else if (existsSync(join(packageRoot, 'src', 'cli', 'main.ts')) && (tsx = await import('tsx/esm/api').catch(() => null)) !== null) {
  process.stderr.write(`allot: dist/ is ${state === 'missing' ? 'missing' : 'older than src/'}; running src/ through tsx (npm run build makes allot start fast)\n`);
  tsx.register();
  const { main } = await import('../src/cli/main.ts');
  run = () => main(args);
} else {
  process.stderr.write(`allot: its compiled build (dist/) is ${state}; run npm run build in ${packageRoot}\n`);
  process.exit(1);
}
process.exitCode = await run();
