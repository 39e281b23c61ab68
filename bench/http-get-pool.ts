// GET /preview/v2/pools/{id} through allot (auth, SQLite, rendering) beside a bare Fastify route
// that returns the same JSON, measured in the same run. The ratio is what matters: the aim is at
// least 0.5.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRate, load, startChild } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const bareServer = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

export async function benchGetPool(seconds: number): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-'));
  const allot = await startChild([allotBin, 'serve', '--port', '0', '--db', `sqlite:${join(directory, 'bench.db')}`]);
  try {
    const token = /Demo account "demo" token: (\S+)/.exec(allot.output())![1]!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${allot.baseUrl}/preview/v2/pools`, { method: 'POST', headers, body: JSON.stringify({ workspace: 'default', name: 'bench', tags: { env: 'bench' } }) });
    const pool = (await created.json()) as { id: string };
    const poolUrl = `/preview/v2/pools/${pool.id}`;
    const body = await (await fetch(`${allot.baseUrl}${poolUrl}`, { headers })).text();

    const bare = await startChild(['--import', 'tsx', bareServer], { BENCH_BODY: body });
    try {
      // Warm both up (JIT, statement cache), then measure each in turn.
      await load(`${bare.baseUrl}${poolUrl}`, {}, 1);
      await load(`${allot.baseUrl}${poolUrl}`, headers, 1);
      const baseline = await load(`${bare.baseUrl}${poolUrl}`, {}, seconds);
      const measured = await load(`${allot.baseUrl}${poolUrl}`, headers, seconds);
      if (measured.non2xx > 0) throw new Error(`allot answered ${measured.non2xx} requests with errors`);
      const ratio = measured.requestsPerSecond / baseline.requestsPerSecond;
      return [
        'GET /preview/v2/pools/{id} (SQLite, default logging)',
        `  allot:        ${formatRate(measured.requestsPerSecond)} req/s  (p50 ${measured.latencyP50Ms} ms, p99 ${measured.latencyP99Ms} ms)`,
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
