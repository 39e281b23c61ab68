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
import { distEntry, distState } from '../bin/dist-state.js';

export { distState };

const root = fileURLToPath(new URL('..', import.meta.url));
export const distDirectory = join(root, 'dist');
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
        const own = `var __dirname = require('node:path').join(__allotPackageFolder(${JSON.stringify(name)}), ${JSON.stringify(within)});\n`;
        return { contents: own + text, loader: 'js', resolveDir: dirname(args.path) };
      });
    }
  },
};

/**
 * Built-in modules a bundled file requires at load but uses only in a configuration allot does
 * not run (Fastify's HTTPS and HTTP/2 servers, and its DNS lookup of a host name to listen on):
 * each is required at its first use instead. Loading them (and TLS, which both HTTPS and HTTP/2
 * load) cost several milliseconds of every start. A file whose lines change in a later version
 * is left as it is, only slower to load.
 */
const builtinsRequiredAtFirstUse = [
  { file: join('node_modules', 'fastify', 'lib', 'server.js'), builtins: ['node:https', 'node:http2', 'node:dns'] },
  // prom-client's push gateway client, which allot does not use.
  { file: join('node_modules', 'prom-client', 'lib', 'pushgateway.js'), builtins: ['https'] },
];

const builtinsAtFirstUsePlugin = {
  name: 'builtins-at-first-use',
  setup(builder) {
    for (const { file, builtins } of builtinsRequiredAtFirstUse) {
      builder.onLoad({ filter: new RegExp(`${`${sep}${file}`.replace(/[\\/.]/g, (c) => `\\${c}`)}$`) }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const name of builtins) text = text.replace(`require('${name}')`, `__allotRequiredAtFirstUse('${name}')`);
        return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
      });
    }
  },
};

/**
 * The commands' entry points, each a file of its own so that each loads only its own code: the
 * client commands (allot.cjs), the server (serve.cjs, which bin/allot.js compiles with a V8 code
 * cache; bin/load-dist.js) and the host agent (agent-run.cjs). main.ts and agent.ts import the
 * other two dynamically; those imports are left to load the built files.
 */
const entries = { allot: 'src/cli/main.ts', serve: 'src/cli/serve.ts', 'agent-run': 'src/cli/agent-run.ts' };

const separateEntriesPlugin = {
  name: 'separate-entries',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/(serve|agent-run)\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && args.importer.startsWith(join(root, 'src', 'cli')) ? { path: args.path.replace(/\.js$/, '.cjs'), external: true } : undefined);
  },
};

/**
 * Builds dist/: a CommonJS file per entry point. Each is written beside its place and renamed
 * into it, the client's entry last, so an `allot` starting meanwhile loads whole files.
 */
export async function buildDist() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(root, path)])),
    outdir: distDirectory,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external,
    plugins: [ownFilesPlugin, builtinsAtFirstUsePlugin, separateEntriesPlugin],
    // The sources find their package's files from import.meta.url, which CommonJS has not.
    define: { 'import.meta.url': '__allotImportMetaUrl' },
    // Helpers of the plugins above, in the banner, where esbuild does not try to resolve them.
    banner: {
      js:
        '"use strict";\n' +
        "var __allotImportMetaUrl = require('node:url').pathToFileURL(__filename).href;\n" +
        "var __allotPackageFolder = (name) => require('node:path').dirname(require.resolve(`${name}/package.json`));\n" +
        'var __allotRequiredAtFirstUse = (name) => { let loaded; return new Proxy({}, { get: (_, key) => (loaded ??= require(name))[key] }); };',
    },
    // A third less for V8 to read and compile at every start. Names stay, for stack traces and
    // for the code that reads a function's name. Licence comments go to *.LEGAL.txt, which
    // keeps the files ASCII (strings V8 reads faster).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('src/'));
  const isEntry = (path) => path === distEntry || path.startsWith(`${distEntry}.`);
  const ordered = [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const file of ordered) writeAtomically(file.path, file.contents);
  writeAtomically(inputsFile, `${JSON.stringify(inputs.sort(), null, 1)}\n`);
  // Code caches of the build before (bin/load-dist.js), which could only be refused, and what
  // earlier builds made that nothing loads any more (an ES module entry and its chunks).
  const outputs = new Set([...result.outputFiles.map((file) => file.path), inputsFile]);
  for (const name of readdirSync(distDirectory)) {
    const path = join(distDirectory, name);
    if (!outputs.has(path)) rmSync(path, { recursive: true, force: true });
  }
}

function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
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
