// Loads the server's build (dist/serve.cjs) with V8's code cache: the bytecode V8 made of it the
// last time `allot serve` ran, kept beside it in serve.cjs.cache. Compiling the server's 3 MB
// again at every start was a large part of the time `allot serve` took to answer
// (docs/decisions.md, "Starting fast"); Node 20 has no compile cache of its own
// (module.enableCompileCache is Node 22), so the build is CommonJS, compiled here as a vm.Script
// that takes and makes V8's cached data.
//
// A cache is used only for the very bytes it was made from: its first line names the SHA-1 of the
// file, Node's version and the architecture (V8 itself checks only the source's length, and its
// own version and flags). Any other cache is left unused, and replaced when the server stops. A
// cache that cannot be read or written (a read-only installation) only makes the start slower.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** How a built file's code is wrapped to run as the CommonJS module it is. */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/**
 * Loads the CommonJS file at `path` and returns its exports, with `saveCodeCache()`: writes the
 * code V8 has compiled of it so far for the next start, unless this start's came from a cache.
 */
export function loadWithCodeCache(path) {
  const cacheFile = `${path}.cache`;
  const bytes = readFileSync(path);
  const header = `allot code cache 1 ${createHash('sha1').update(bytes).digest('hex')} ${process.version} ${process.arch}\n`;
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    const end = cache.indexOf(10) + 1;
    if (end > 0 && cache.subarray(0, end).toString('latin1') === header) cachedData = cache.subarray(end);
  } catch {
    // No cache yet.
  }
  const script = new vm.Script(wrap(bytes.toString('utf8')), {
    filename: path,
    cachedData,
    // The build has no import() of its own; a dependency's would load as in any module.
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  let cached = cachedData !== undefined && script.cachedDataRejected === false;
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(path), module, path, dirname(path));
  const saveCodeCache = () => {
    if (cached) return;
    cached = true;
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]));
      renameSync(temporary, cacheFile);
    } catch {
      rmSync(temporary, { force: true });
    }
  };
  return { exports: module.exports, saveCodeCache };
}
