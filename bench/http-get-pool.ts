// GET /preview/v2/pools/{id} through allot (auth, SQLite, allocation, rendering) beside a bare
// Fastify route that returns the same JSON, measured in the same run. The pool holds allocation
// of one SKU, as a pool in use does. Rounds alternate between the two servers and the median of
// each is compared, so that drift in the machine's speed falls on both. Aim: a ratio of 0.5.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRate, load, type LoadResult, startChild } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const bareServer = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const operatorToken = 'bench-operator';
const rounds = 3;

function median(results: LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
}

export async function benchGetPool(seconds: number): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-'));
  const allot = await startChild([allotBin, 'serve', '--port', '0', '--db', `sqlite:${join(directory, 'bench.db')}`], { ALLOT_ADMIN_TOKEN: operatorToken });
  try {
    const token = /Demo account "demo" token: (\S+)/.exec(allot.output())![1]!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, bearer: string, body: unknown) =>
      (await (await fetch(`${allot.baseUrl}${path}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) })).json()) as Record<string, any>;
    const pool = await post('/preview/v2/pools', token, { workspace: 'default', name: 'bench', tags: { env: 'bench' } });
    const skus = (await (await fetch(`${allot.baseUrl}/preview/v2/instance_skus`, { headers })).json()) as { data: { id: string }[] };
    const start = Math.ceil(Date.now() / 60_000) * 60;
    await post('/admin/v1/allocations', operatorToken, { pool: pool.id, instance_sku: skus.data[0]!.id, allocation_schedule: [{ start_at: start, end_at: start + 86_400, node_count: 4 }] });
    const poolUrl = `/preview/v2/pools/${pool.id}`;
    const body = await (await fetch(`${allot.baseUrl}${poolUrl}`, { headers })).text();

    const bare = await startChild(['--import', 'tsx', bareServer], { BENCH_BODY: body });
    try {
      // Warm both up (JIT, statement cache), then alternate rounds.
      await load(`${bare.baseUrl}${poolUrl}`, {}, 1);
      await load(`${allot.baseUrl}${poolUrl}`, headers, 1);
      const baselines: LoadResult[] = [];
      const measured: LoadResult[] = [];
      for (let round = 0; round < rounds; round++) {
        baselines.push(await load(`${bare.baseUrl}${poolUrl}`, {}, seconds));
        const result = await load(`${allot.baseUrl}${poolUrl}`, headers, seconds);
        if (result.non2xx > 0) throw new Error(`allot answered ${result.non2xx} requests with errors`);
        measured.push(result);
      }
      const baseline = median(baselines);
      const allotResult = median(measured);
      const ratio = allotResult.requestsPerSecond / baseline.requestsPerSecond;
      return [
        `GET /preview/v2/pools/{id} (SQLite, default logging; median of ${rounds} alternating rounds of ${seconds} s, 16 connections)`,
        `  allot:        ${formatRate(allotResult.requestsPerSecond)} req/s  (p50 ${allotResult.latencyP50Ms} ms, p99 ${allotResult.latencyP99Ms} ms)`,
        `  bare Fastify: ${formatRate(baseline.requestsPerSecond)} req/s  (p50 ${baseline.latencyP50Ms} ms, p99 ${baseline.latencyP99Ms} ms)`,
        `  ratio:        ${ratio.toFixed(2)}  (aim: at least 0.50)`,
      ];
    } finally {
      await bare.stop();
    }
  } finally {
    await allot.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}
