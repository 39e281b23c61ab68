// Vitest's global setup: compiles src/ into dist/ when it is missing or older than its sources,
// so that every test that spawns `allot` (through bin/allot.js) runs the code being tested, and
// starts in a fraction of a second instead of compiling TypeScript at every start.

import { buildDistIfNeeded } from '../../scripts/build-dist.mjs';

export default async function setup(): Promise<void> {
  await buildDistIfNeeded();
}
