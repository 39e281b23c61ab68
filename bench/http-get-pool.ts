// GET /preview/v2/pools/{id} through allot (auth, store, allocation, rendering) beside a bare
// Fastify route that returns the same JSON, measured in the same run. The pool holds allocation
// of one SKU, as a pool in use does. Rounds alternate between the servers and the median of each
// is compared, so that drift in the machine's speed falls on all of them. Aim: a ratio of 0.5 on
// both stores: a pool's rows are remembered (Store.readCached) until the next write on SQLite,
// and on PostgreSQL until this process's next write or another's commit is notified
// (store/postgres/commit-listener.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, formatRate, load, type LoadResult, startChild, urlWithSchema, withSchema } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const bareServer = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const operatorToken = 'bench-operator';
const rounds = 5;

function median(results: LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
}

interface Target {
  readonly label: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly results: LoadResult[];
}

/** Starts allot on `db` with a pool holding a day of allocation; returns the pool's URL and headers. */
async function startAllot(db: string): Promise<{ child: Child; url: string; headers: Record<string, string> }> {
  const child = await startChild([allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
  const token = /Demo account "demo" token: (\S+)/.exec(child.output())![1]!;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path: string, bearer: string, body: unknown) =>
    (await (await fetch(`${child.baseUrl}${path}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) })).json()) as Record<string, any>;
  const pool = await post('/preview/v2/pools', token, { workspace: 'default', name: 'bench', tags: { env: 'bench' } });
  const skus = (await (await fetch(`${child.baseUrl}/preview/v2/instance_skus`, { headers })).json()) as { data: { id: string }[] };
  const start = Math.ceil(Date.now() / 60_000) * 60;
  await post('/admin/v1/allocations', operatorToken, { pool: pool.id, instance_sku: skus.data[0]!.id, allocation_schedule: [{ start_at: start, end_at: start + 86_400, node_count: 4 }] });
  return { child, url: `${child.baseUrl}/preview/v2/pools/${pool.id}`, headers };
}

async function measure(targets: { label: string; db: string }[], seconds: number): Promise<string[]> {
  const started: { child: Child; target: Target }[] = [];
  let bare: Child | null = null;
  try {
    for (const { label, db } of targets) {
      const allot = await startAllot(db);
      started.push({ child: allot.child, target: { label, url: allot.url, headers: allot.headers, results: [] } });
    }
    const first = started[0]!.target;
    const body = await (await fetch(first.url, { headers: first.headers })).text();
    bare = await startChild(['--import', 'tsx', bareServer], { BENCH_BODY: body });
    const baseline: Target = { label: 'bare Fastify', url: `${bare.baseUrl}${new URL(first.url).pathname}`, headers: {}, results: [] };
    const all = [baseline, ...started.map(({ target }) => target)];
    // Warm every server up (JIT, statement caches), then alternate rounds.
    for (const target of all) await load(target.url, target.headers, 1);
    for (let round = 0; round < rounds; round++) {
      for (const target of all) {
        const result = await load(target.url, target.headers, seconds);
        if (result.non2xx > 0) throw new Error(`${target.label} answered ${result.non2xx} requests with errors`);
        target.results.push(result);
      }
    }
    const baselineRate = median(baseline.results).requestsPerSecond;
    const width = Math.max(...all.map((target) => target.label.length)) + 1;
    const line = (target: Target) => {
      const result = median(target.results);
      const ratio = target === baseline ? '' : `  ratio ${(result.requestsPerSecond / baselineRate).toFixed(2)}`;
      return `  ${`${target.label}:`.padEnd(width)} ${formatRate(result.requestsPerSecond).padStart(7)} req/s  (p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms)${ratio}`;
    };
    return [
      `GET /preview/v2/pools/{id} (default logging; median of ${rounds} alternating rounds of ${seconds} s, 16 connections)`,
      ...all.map(line),
      '  aim: a ratio of at least 0.50 on both (a pool\'s rows are remembered until the next write;',
      '  on PostgreSQL until another process\'s commit is notified)',
    ];
  } finally {
    await bare?.stop();
    for (const { child } of started) await child.stop();
  }
}

export async function benchGetPool(seconds: number, postgresUrl: string | undefined): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-'));
  try {
    const sqlite = { label: 'allot on SQLite', db: `sqlite:${join(directory, 'bench.db')}` };
    if (postgresUrl === undefined) return await measure([sqlite], seconds);
    return await withSchema(postgresUrl, 'allot_bench_http', (schema) => measure([sqlite, { label: 'allot on PostgreSQL', db: urlWithSchema(postgresUrl, schema) }], seconds));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
