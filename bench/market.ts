// The market under load, through HTTP against a real allot process: the latency of one buy
// against a book of 10,000 resting asks (median and p99 of buys placed one after another),
// beside the same buy against a book of 10 asks; and buys processed per second by 16 concurrent
// clients, beside pool transfers per second on the same server.
//
// Each ask offers 100,000 nodes, so that the book keeps its size while the buys each take one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRate, load, startChild, urlWithSchema, withSchema } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const operatorToken = 'bench-operator';
const bigBook = 10_000;
const smallBook = 10;
const sequentialBuys = 400;
const connections = 16;

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

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function marketOn(db: string, seconds: number): Promise<string[]> {
  const allot = await startChild([allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
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
    const orders = await load(`${allot.baseUrl}/preview/v2/orders`, headers, seconds, connections, { method: 'POST', body: JSON.stringify(buyBody(bigSku)) });
    if (orders.non2xx > 0) throw new Error(`${orders.non2xx} buys failed`);
    const elsewhere = await call(buyer.token, '/preview/v2/pools', { workspace: 'default', name: 'elsewhere' });
    const transferBody = JSON.stringify({ from_pool: pool.id, to_pool: elsewhere.id, instance_sku: bigSku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }] });
    const transfers = await load(`${allot.baseUrl}/preview/v2/pool_transfers`, headers, seconds, connections, { method: 'POST', body: transferBody });
    if (transfers.non2xx > 0) throw new Error(`${transfers.non2xx} transfers failed`);

    const ms = (value: number) => `${value.toFixed(2)} ms`;
    return [
      `    one buy, book of ${formatRate(bigBook)} asks: median ${ms(big.median)}, p99 ${ms(big.p99)}   book of ${smallBook}: median ${ms(small.median)}, p99 ${ms(small.p99)}   ratio ${(big.median / small.median).toFixed(2)}`,
      `    buys/s (${connections} connections, book of ${formatRate(bigBook)}): ${formatRate(orders.requestsPerSecond)}   pool transfers/s ${formatRate(transfers.requestsPerSecond)}   ratio ${(orders.requestsPerSecond / transfers.requestsPerSecond).toFixed(2)}`,
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
