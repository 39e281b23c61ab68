// The market under load, through HTTP against a real allot process: the latency of one buy
// against a book of 10,000 resting asks (median and p99 of buys placed one after another),
// beside the same buy against a book of 10 asks; and buys processed per second by 16 concurrent
// clients, beside pool transfers per second on the same server.
//
// Each ask offers 100,000 nodes, so that the book keeps its size while the buys each take one.
//
// What the throughput line compares: buys of one node for an hour against the 10,000-ask book,
// each a fill that moves allocation from the sellers' pool into the buyer's and money the other
// way; and transfers of one node for an hour of the same SKU between two other pools of the
// buyer's account that the operator issued allocation to, as `BENCH_ONLY=transfers` does. Both
// run on the same server, over the same data, from 16 connections. On a shared machine a single
// sample of each, taken seconds apart, compared whatever load each happened to meet (one run read
// 95 transfers/s here beside 363/s in the transfers section; transfers on this server cost the
// same allot CPU before the book is filled, after it and after the buys), so buys and transfers
// alternate for `rounds` rounds and the ratio is the median of the rounds' ratios; each side's
// allot CPU per request (Linux's /proc) is shown too, being steadier than the rates on a shared
// machine. BENCH_ALLOT_BIN measures another build, for A/B runs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMsOf, formatRate, load, startChild, urlWithSchema, withSchema } from './support.js';

/** Another build's `bin/allot.js` may be measured instead (BENCH_ALLOT_BIN), for A/B runs back to back. */
const allotBin = process.env.BENCH_ALLOT_BIN ?? fileURLToPath(new URL('../bin/allot.js', import.meta.url));
/** Node options for the allot process (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`), as bench/transfers.ts takes them. */
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
const operatorToken = 'bench-operator';
const bigBook = 10_000;
const smallBook = 10;
const sequentialBuys = 400;
const connections = 16;
/** Rounds of buys then transfers, alternating, so that both meet the same load. */
const rounds = 3;

type Call = (token: string, path: string, body: unknown) => Promise<Record<string, any>>;

/** Places `count` asks at prices spread over $10–$16, several at a time. */
async function fillBook(call: Call, token: string, pool: string, sku: string, start: number, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        const index = next++;
        const price = (10 + (index % 1000) * 0.006).toFixed(3);
        const ask = await call(token, '/preview/v2/orders', {
          pool,
          side: 'sell',
          instance_sku: sku,
          allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 100_000 }],
          limit_price_dollars_per_node_hour: price,
          allow_standing: true,
          allow_partial: true,
        });
        if (ask.status !== 'standing') throw new Error(`ask not standing: ${JSON.stringify(ask)}`);
      }
    }),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function marketOn(db: string, seconds: number): Promise<string[]> {
  const allot = await startChild([...nodeArgs, allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
  try {
    const call: Call = async (token, path, body) => {
      const response = await fetch(`${allot.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, any>;
    };
    const start = Math.ceil(Date.now() / 3_600_000) * 3600 + 3600;
    const provider = await call(operatorToken, '/admin/v1/accounts', { name: 'Bench provider' });
    const supply = await call(operatorToken, '/admin/v1/pools', { account: provider.id, name: 'supply', kind: 'originating' });
    const buyer = await call(operatorToken, '/admin/v1/accounts', { name: 'Bench buyer' });
    await call(operatorToken, `/admin/v1/accounts/${buyer.id}/credits`, { amount_dollars: 9_000_000_000 });
    const pool = await call(buyer.token, '/preview/v2/pools', { workspace: 'default', name: 'compute' });

    const book = async (alias: string, asks: number) => {
      const sku = await call(operatorToken, '/admin/v1/instance_skus', { alias });
      await call(operatorToken, '/admin/v1/allocations', { pool: supply.id, instance_sku: sku.id, allocation_schedule: [{ start_at: start, end_at: start + 3600, node_count: 1_000_000_000 }] });
      await fillBook(call, provider.token, supply.id, sku.id, start, asks);
      return sku.id as string;
    };
    const buyBody = (sku: string) => ({ pool: pool.id, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '30.00' });

    const latencies = async (sku: string) => {
      const times: number[] = [];
      for (let index = 0; index < sequentialBuys; index++) {
        const began = performance.now();
        const order = await call(buyer.token, '/preview/v2/orders', buyBody(sku));
        times.push(performance.now() - began);
        if (order.status !== 'filled') throw new Error(`buy not filled: ${JSON.stringify(order)}`);
      }
      times.sort((a, b) => a - b);
      return { median: percentile(times, 0.5), p99: percentile(times, 0.99) };
    };
    const smallSku = await book('small-book', smallBook);
    const bigSku = await book('big-book', bigBook);
    await latencies(smallSku); // warms the server up, so that neither book is measured cold
    const big = await latencies(bigSku);
    const small = await latencies(smallSku);

    const headers = { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' };
    const from = await call(buyer.token, '/preview/v2/pools', { workspace: 'default', name: 'transfers-from' });
    const to = await call(buyer.token, '/preview/v2/pools', { workspace: 'default', name: 'transfers-to' });
    await call(operatorToken, '/admin/v1/allocations', { pool: from.id, instance_sku: bigSku, allocation_schedule: [{ start_at: start, end_at: start + 3600, node_count: 1_000_000_000 }] });
    const transferBody = JSON.stringify({ from_pool: from.id, to_pool: to.id, instance_sku: bigSku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }] });
    /** Requests per second and the allot process's CPU per request. */
    const measure = async (path: string, body: string, what: string) => {
      const cpuBefore = cpuMsOf(allot.process.pid!);
      const result = await load(`${allot.baseUrl}${path}`, headers, seconds, connections, { method: 'POST', body });
      if (result.non2xx > 0) throw new Error(`${result.non2xx} ${what} failed`);
      const count = result.requestsPerSecond * seconds;
      return { perSecond: result.requestsPerSecond, cpuMs: count === 0 ? 0 : (cpuMsOf(allot.process.pid!) - cpuBefore) / count };
    };
    const measured: { buys: { perSecond: number; cpuMs: number }; transfers: { perSecond: number; cpuMs: number } }[] = [];
    for (let round = 0; round < rounds; round++) {
      const buys = await measure('/preview/v2/orders', JSON.stringify(buyBody(bigSku)), 'buys');
      const transfers = await measure('/preview/v2/pool_transfers', transferBody, 'transfers');
      measured.push({ buys, transfers });
    }
    const ratio = median(measured.map(({ buys, transfers }) => buys.perSecond / transfers.perSecond));

    const ms = (value: number) => `${value.toFixed(2)} ms`;
    return [
      `    one buy, book of ${formatRate(bigBook)} asks: median ${ms(big.median)}, p99 ${ms(big.p99)}   book of ${smallBook}: median ${ms(small.median)}, p99 ${ms(small.p99)}   ratio ${(big.median / small.median).toFixed(2)}`,
      `    buys/s (${connections} connections, book of ${formatRate(bigBook)}) beside pool transfers/s, ${rounds} rounds alternating: ${measured.map(({ buys, transfers }) => `${formatRate(buys.perSecond)} / ${formatRate(transfers.perSecond)}`).join(', ')}   median ratio ${ratio.toFixed(2)}`,
      `    allot CPU per request: buy ${median(measured.map(({ buys }) => buys.cpuMs)).toFixed(2)} ms, transfer ${median(measured.map(({ transfers }) => transfers.cpuMs)).toFixed(2)} ms (medians of the rounds)`,
    ];
  } finally {
    await allot.stop();
  }
}

export async function benchMarket(seconds: number, postgresUrl: string | undefined): Promise<string[]> {
  const lines = ['buys through HTTP: latency against a deep book beside a shallow one, and throughput beside pool transfers'];
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-market-'));
  try {
    lines.push('  SQLite:', ...(await marketOn(`sqlite:${join(directory, 'allot.db')}`, seconds)));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (postgresUrl === undefined) lines.push('  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)');
  else lines.push('  PostgreSQL:', ...(await withSchema(postgresUrl, 'allot_bench_market', (schema) => marketOn(urlWithSchema(postgresUrl, schema), seconds))));
  return lines;
}
