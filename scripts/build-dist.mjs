// Compiles allot's server and CLI (src/) into dist/ with esbuild, so that `allot` starts on
// plain JavaScript instead of compiling TypeScript at every start. Run by `npm run build`
// (and so by `prepare` at install and before `npm pack`) and by the test suite's global setup
// when dist/ is missing or older than its sources. See docs/architecture.md, "Running TypeScript".
//
// Dependencies are bundled too: Node loads one file far faster than the hundreds of modules
// Fastify, Kysely and TypeBox are made of. Left out, and loaded from node_modules at run time,
// are the native addons (better-sqlite3, pg-native) and pino-pretty (a log transport, run in a
// worker thread by path). The packages that find their own files on disk through `__dirname`
// (@fastify/swagger-ui its static folder, pino and thread-stream their worker files) are
// bundled with `__dirname` pointing at their folder in node_modules, found at run time; loaded
// from node_modules instead they cost a third of a second at every start (docs/decisions.md,
// "Starting fast").

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { distState } from '../bin/dist-state.js';

export { distState };

const root = fileURLToPath(new URL('..', import.meta.url));
export const distDirectory = join(root, 'dist');
const entry = join(distDirectory, 'allot.js');
const inputsFile = join(distDirectory, 'inputs.json');

const external = ['better-sqlite3', 'pg-native', 'pino-pretty'];

/** Bundled packages whose code reads `__dirname` to find files of their own. */
const packagesFindingTheirFiles = ['@fastify/swagger-ui', 'pino', 'thread-stream'];

/**
 * Gives each file of those packages the `__dirname` it has in node_modules: its package's folder,
 * resolved when the bundle runs (wherever allot is installed), joined with the file's own folder.
 */
const ownFilesPlugin = {
  name: 'own-files',
  setup(builder) {
    for (const name of packagesFindingTheirFiles) {
      const folder = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
      const filter = new RegExp(`${folder.replace(/[\\/.]/g, (c) => `\\${c}`)}.*\\.js$`);
      builder.onLoad({ filter }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('__dirname')) return undefined;
        const packageFolder = args.path.slice(0, args.path.lastIndexOf(folder) + folder.length);
        const within = relative(packageFolder, dirname(args.path)).split(sep).join('/');
        const own = `var __dirname = require('node:path').join(require('node:path').dirname(require.resolve(${JSON.stringify(`${name}/package.json`)})), ${JSON.stringify(within)});\n`;
        return { contents: own + text, loader: 'js', resolveDir: dirname(args.path) };
      });
    }
  },
};

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
    plugins: [ownFilesPlugin],
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
