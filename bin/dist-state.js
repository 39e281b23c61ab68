// Whether dist/ (the compiled build, see scripts/build-dist.mjs) can be run: present, and not
// older than any source it was built from. An installed package has dist/ and no src/; a clone
// has src/ and builds dist/ at `npm install` and whenever the tests start.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const distEntry = join(packageRoot, 'dist', 'allot.cjs');
/** V8's compiled code of distEntry, written by `allot serve` (see load-dist.js). */
export const codeCacheFile = join(packageRoot, 'dist', 'allot.cjs.cache');

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
