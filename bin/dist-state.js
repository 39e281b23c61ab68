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
  // An installed package has no sources to be newer than its build.
  if (statSync(join(packageRoot, 'src'), { throwIfNoEntry: false }) === undefined) return 'fresh';
  for (const input of inputs) {
    // Not thrown for a source since removed: an exception each would cost more than the stat.
    const changedAt = statSync(join(packageRoot, input), { throwIfNoEntry: false })?.mtimeMs;
    if (changedAt !== undefined && changedAt > builtAt) return 'stale';
  }
  return 'fresh';
}
