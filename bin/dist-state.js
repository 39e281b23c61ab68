// Whether dist/ (the compiled build, see scripts/build-dist.mjs) can be run: present, and not
// older than any source it was built from. An installed package has dist/ and no src/; a clone
// has src/ and builds dist/ at `npm install` and whenever the tests start.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
/** The commands (built last, so its time is the build's). */
export const distEntry = join(packageRoot, 'dist', 'allot.cjs');
/** The server, loaded by `allot serve` with V8's code cache of it (see load-dist.js). */
export const serveEntry = join(packageRoot, 'dist', 'serve.cjs');

/** 'fresh', 'missing', or 'stale' (a source changed after the build). */
export function distState() {
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(distEntry).mtimeMs;
    inputs = JSON.parse(readFileSync(join(packageRoot, 'dist', 'inputs.json'), 'utf8'));
  } catch {
    return 'missing';
  }
  for (const input of inputs) {
    let changedAt;
    try {
      changedAt = statSync(join(packageRoot, input)).mtimeMs;
    } catch {
      continue; // no sources here: an installed package, or a source since removed
    }
    if (changedAt > builtAt) return 'stale';
  }
  return 'fresh';
}
