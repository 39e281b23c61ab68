// The time from spawning `allot serve` to its first 200, beside a bare `node` that serves a 200
// with node:http, both spawned and polled the same way in the same run. allot is measured at the
// first start of a database (migrations and the demo seed) and at a restart of it, both with the
// V8 code cache an earlier start wrote (bin/load-dist.js), and at a first start without one, as
// after a build or an installation. Rounds alternate and the median of each is shown. Aim:
// under 0.5 s for allot.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDistIfNeeded } from '../scripts/build-dist.mjs';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
/** V8's code cache of the server's build, written by each start that had none (bin/load-dist.js). */
const codeCache = fileURLToPath(new URL('../dist/serve.cjs.cache', import.meta.url));
const operatorToken = 'bench-operator';
const rounds = 5;
const bareServer = `require('node:http').createServer((_, response) => response.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Seconds from spawning `node <args>` (with PORT replaced) to a 200 from `path` on that port. */
async function timeToFirst200(args: readonly string[], path: string, headers: Record<string, string> = {}): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args.map((arg) => arg.replace('PORT', String(port))), { stdio: 'ignore', env: { ...process.env, ALLOT_ADMIN_TOKEN: operatorToken } });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`node ${args.join(' ')} exited with ${code} before answering`))));
  try {
    const deadline = started + 30_000;
    while (performance.now() < deadline) {
      const status = await Promise.race([fetch(`http://127.0.0.1:${port}${path}`, { headers }).then((response) => response.status, () => 0), exited]);
      if (status === 200) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`node ${args.join(' ')} did not answer 200 within 30 s`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchServeStart(): Promise<string[]> {
  await buildDistIfNeeded();
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-start-'));
  const results = { bare: [] as number[], uncached: [] as number[], first: [] as number[], restart: [] as number[] };
  const clock = { authorization: `Bearer ${operatorToken}` };
  try {
    for (let round = 0; round < rounds; round++) {
      const serve = (name: string) => [allotBin, 'serve', '--port', 'PORT', '--db', `sqlite:${join(directory, `round-${round}-${name}.db`)}`, '--log-level', 'warn'];
      results.bare.push(await timeToFirst200(['-e', bareServer, 'PORT'], '/'));
      // Stopped, this start writes the cache the next two use.
      rmSync(codeCache, { force: true });
      results.uncached.push(await timeToFirst200(serve('uncached'), '/admin/v1/clock', clock));
      results.first.push(await timeToFirst200(serve('cached'), '/admin/v1/clock', clock));
      results.restart.push(await timeToFirst200(serve('cached'), '/admin/v1/clock', clock));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const bare = median(results.bare);
  const line = (label: string, seconds: number, baseline: boolean) => `  ${label.padEnd(29)} ${seconds.toFixed(3)} s${baseline ? '' : `  ratio ${(seconds / bare).toFixed(1)}× the bare node`}`;
  return [
    `spawn to first 200 (median of ${rounds} alternating rounds; allot answers GET /admin/v1/clock on SQLite)`,
    line('bare node (node:http):', bare, true),
    line('allot serve, new database:', median(results.first), false),
    line('allot serve, restart:', median(results.restart), false),
    line('allot serve, no code cache:', median(results.uncached), false),
    '  (no code cache: a new database at the first start after a build or an installation)',
    '  aim: under 0.5 s for allot',
  ];
}
