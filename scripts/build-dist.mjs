// Compiles allot's server and CLI (src/) into dist/ with esbuild, so that `allot` starts on
// plain JavaScript instead of compiling TypeScript at every start. Run by `npm run build`
// (and so by `prepare` at install and before `npm pack`) and by the test suite's global setup
// when dist/ is missing or older than its sources. See docs/architecture.md, "Running TypeScript".
//
// Dependencies are bundled too: Node loads one file far faster than the hundreds of modules
// Fastify, Kysely and TypeBox are made of. Left out, and loaded from node_modules at run time,
// are the packages that find their own files on disk: better-sqlite3 and pg-native (native
// addons), @fastify/swagger-ui (serves its static folder) and pino with thread-stream and
// pino-pretty (log transports run worker files by path).

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { distState } from '../bin/dist-state.js';

export { distState };

const root = fileURLToPath(new URL('..', import.meta.url));
export const distDirectory = join(root, 'dist');
const entry = join(distDirectory, 'allot.js');
const inputsFile = join(distDirectory, 'inputs.json');

const external = ['better-sqlite3', 'pg-native', '@fastify/swagger-ui', 'pino', 'thread-stream', 'pino-pretty'];

/**
 * Builds dist/. Every file is written beside its place and renamed into it, chunks before the
 * entry, so that an `allot` starting meanwhile loads either the old build or the new one whole.
 */
export async function buildDist() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { allot: join(root, 'src/cli/main.ts') },
    outdir: distDirectory,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __allotCreateRequire } from 'node:module'; const require = __allotCreateRequire(import.meta.url);" },
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const outputs = result.outputFiles.map((file) => file.path);
  const ordered = [...result.outputFiles].sort((a, b) => Number(a.path === entry || a.path === `${entry}.map`) - Number(b.path === entry || b.path === `${entry}.map`));
  const inputs = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('src/'));
  for (const file of ordered) writeAtomically(file.path, file.contents);
  writeAtomically(inputsFile, `${JSON.stringify(inputs.sort(), null, 1)}\n`);
  removeOtherChunks(join(distDirectory, 'chunks'), new Set(outputs));
}

function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Chunks of earlier builds, which no entry refers to any more. */
function removeOtherChunks(directory, keep) {
  let names;
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(directory, name);
    if (!keep.has(path)) rmSync(path, { force: true });
  }
}

/** Builds dist/ unless it is fresh; returns whether it built. */
export async function buildDistIfNeeded() {
  if (distState() === 'fresh') return false;
  await buildDist();
  return true;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildDist();
}
