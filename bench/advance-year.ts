// The manual clock's longest advance (a year, `clockAdvanceSecondsMax`) through `allot serve` on
// PostgreSQL, over a demo-seeded database with accounts whose pools have allocation changing
// through the year, instances following it and a procurement each: how long the advance takes,
// and meanwhile how long `/v1/_healthz` and a GET pool take to answer and how long any one
// transaction of allot's stays open (sampled from pg_stat_activity: the transactions holding a lock on one of the
// schema's tables). Figures to read, not to assert: the machine may be loaded.

import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { clockAdvanceSecondsMax } from '../src/domain/kernel/limits.js';
import { cpuMsOf, startChild, urlWithSchema, withSchema } from './support.js';

const operatorToken = 'allot_admin_bench-year';
/** Accounts besides the demo seed's (BENCH_YEAR_ACCOUNTS; 0 for the demo seed alone). */
const accountCount = Number(process.env.BENCH_YEAR_ACCOUNTS ?? 10);
const poolsPerAccount = 10;
const instancesPerPool = 2;
/** Allocation changes per pool over the year: one step on, one off, every ~17.5 hours. */
const stepsPerPool = 500;
const image = 'ubuntu-22.04-cuda-12.4';

async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

function postWithoutTimeout(url: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

async function must(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await call(baseUrl, token, method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  return answer.body;
}

interface Latencies {
  count: number;
  maxMs: number;
  totalMs: number;
}

function describeLatencies(latencies: Latencies): string {
  return `${latencies.count} answered, mean ${(latencies.totalMs / Math.max(1, latencies.count)).toFixed(1)} ms, longest ${latencies.maxMs.toFixed(0)} ms`;
}

export async function benchYearAdvance(postgresUrl: string | undefined): Promise<string[]> {
  if (postgresUrl === undefined) return ['  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)'];
  return withSchema(postgresUrl, 'allot_bench_year', async (schema) => {
    const serve = await startChild(['bin/allot.js', 'serve', '--db', urlWithSchema(postgresUrl, schema), '--clock', 'manual', '--seed', 'demo', '--port', '0', '--log-level', 'warn'], { ALLOT_ADMIN_TOKEN: operatorToken });
    let sampler = new pg.Client({ connectionString: postgresUrl });
    await sampler.connect();
    sampler.on('error', () => {});
    /** Set once the advance has answered (or the bench failed): the probes stop. */
    let done = false;
    try {
      const base = serve.baseUrl;
      const start = (await must(base, operatorToken, 'GET', '/admin/v1/clock')).now as number;
      const sku = (await must(base, operatorToken, 'POST', '/admin/v1/instance_skus', { alias: 'bench-year' })).id as string;
      const setUpStarted = performance.now();
      // The pool read meanwhile: an account's of its own, without allocation.
      const reader = await must(base, operatorToken, 'POST', '/admin/v1/accounts', { name: 'Year reader' });
      const readToken = reader.token as string;
      const readPath = `/preview/v2/pools/${(await must(base, readToken, 'POST', '/preview/v2/pools', { workspace: 'default', name: 'read' })).id}`;
      // A procurement on each of the demo's SKUs, keeping a node an hour ahead: it buys from the
      // demo's asks (two weeks of them), then waits all year on a book with none. One per SKU, so
      // that each skips the runs that change nothing (two on one SKU run every minute: a year's
      // advance is then 525,600 runs of each).
      const buyer = await must(base, operatorToken, 'POST', '/admin/v1/accounts', { name: 'Year buyer' });
      await must(base, operatorToken, 'POST', `/admin/v1/accounts/${buyer.id}/credits`, { amount_dollars: 1_000_000 });
      const demoSkus = ((await must(base, readToken, 'GET', '/preview/v2/instance_skus')).data as { id: string; alias: string }[]).filter((entry) => entry.alias !== 'bench-year');
      for (const [index, demoSku] of demoSkus.entries()) {
        const procured = (await must(base, buyer.token, 'POST', '/preview/v2/pools', { workspace: 'default', name: `procured-${index}` })).id as string;
        await must(base, buyer.token, 'POST', '/preview/v2/procurements', { pool: procured, instance_sku: demoSku.id, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '30.00', managed_window_minutes: 60 });
      }
      for (let account = 0; account < accountCount; account++) {
        const created = await must(base, operatorToken, 'POST', '/admin/v1/accounts', { name: `Year ${account}` });
        for (let poolIndex = 0; poolIndex < poolsPerAccount; poolIndex++) {
          const pool = (await must(base, created.token, 'POST', '/preview/v2/pools', { workspace: 'default', name: `year-${poolIndex}` })).id as string;
          const period = Math.floor(clockAdvanceSecondsMax / stepsPerPool / 120) * 120;
          // On the hour, in four groups an hour apart: due times shared by many pools, as whole-hour blocks are.
          const first = start + 3600 - (start % 3600) + ((account * poolsPerAccount + poolIndex) % 4) * 3600;
          const schedule = Array.from({ length: stepsPerPool }, (_, step) => ({ start_at: first + step * period, end_at: first + step * period + Math.floor(period / 2), node_count: 1 + (step % instancesPerPool) }));
          await must(base, operatorToken, 'POST', '/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule });
          for (let instance = 0; instance < instancesPerPool; instance++) {
            await must(base, created.token, 'POST', '/preview/v2/instances', { pool, image, instance_sku: sku, name: `year-${poolIndex}-${instance}` });
          }
        }
      }
      const setUpSeconds = (performance.now() - setUpStarted) / 1000;

      const healthz: Latencies = { count: 0, maxMs: 0, totalMs: 0 };
      const poolReads: Latencies = { count: 0, maxMs: 0, totalMs: 0 };
      let probeSocketErrors = 0;
      const timed = async (latencies: Latencies, work: () => Promise<{ status: number }>) => {
        const began = performance.now();
        // A kept-alive connection closed by the other side as a request went out (seen once in a
        // run of minutes): counted, and asked again.
        const answer = await work().catch(async (error: unknown) => {
          if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
          probeSocketErrors++;
          return work();
        });
        const ms = performance.now() - began;
        if (answer.status !== 200) throw new Error(`answered ${answer.status} during the advance`);
        latencies.count++;
        latencies.totalMs += ms;
        latencies.maxMs = Math.max(latencies.maxMs, ms);
      };
      const probe = async () => {
        while (!done) {
          await timed(healthz, () => fetch(`${base}/v1/_healthz`).then(async (response) => (await response.arrayBuffer(), response)));
          await timed(poolReads, () => call(base, readToken, 'GET', readPath));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      // The open transactions of allot's that lock one of the schema's tables, every 20 ms.
      const longest = { seconds: 0, transactions: new Map<string, number>() };
      let sampleLosses = 0;
      const sample = async () => {
        while (!done) {
          let rows: { pid: number; began: string; held: number }[] = [];
          try {
            rows = (
              await sampler.query<{ pid: number; began: string; held: number }>(
                `SELECT a.pid, a.xact_start::text AS began, extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS held
                   FROM pg_stat_activity a
                  WHERE a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()
                    AND EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = a.pid AND c.relnamespace = $1::regnamespace)`,
                [schema],
              )
            ).rows;
          } catch {
            // Its connection lost (another test on the shared server ended it): a new one.
            await sampler.end().catch(() => {});
            sampler = new pg.Client({ connectionString: postgresUrl });
            sampler.on('error', () => {});
            await sampler.connect();
            sampleLosses++;
          }
          for (const row of rows) {
            const key = `${row.pid} ${row.began}`;
            longest.transactions.set(key, Math.max(longest.transactions.get(key) ?? 0, row.held));
            longest.seconds = Math.max(longest.seconds, row.held);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const serveCpuBefore = cpuMsOf(serve.process.pid!);
      const advanceStarted = performance.now();
      const probing = probe();
      const sampling = sample();
      // Through node:http, which waits as long as the answer takes (fetch gives up on headers
      // after 300 s, and a year with procurements trading may take longer).
      const advanced = await postWithoutTimeout(`${base}/admin/v1/clock/advance`, operatorToken, { seconds: clockAdvanceSecondsMax }).finally(() => (done = true));
      const advanceSeconds = (performance.now() - advanceStarted) / 1000;
      const serveCpuAfter = cpuMsOf(serve.process.pid!);
      done = true;
      await Promise.all([probing, sampling]);
      if (advanced.status !== 200) throw new Error(`the advance answered ${advanced.status}: ${JSON.stringify(advanced.body).slice(0, 500)}`);
      const audit = await must(base, operatorToken, 'GET', '/admin/v1/audit');
      const over = (seconds: number) => [...longest.transactions.values()].filter((held) => held >= seconds).length;
      const boundaries = accountCount * poolsPerAccount * stepsPerPool * 2;
      return [
        `advance the manual clock a year (${clockAdvanceSecondsMax} s) through allot serve on PostgreSQL: demo seed, ${accountCount * poolsPerAccount} pools with ${boundaries.toLocaleString('en-US')} allocation boundaries and ${accountCount * poolsPerAccount * instancesPerPool} instances following them, ${demoSkus.length} procurements`,
        `  advance:      ${advanceSeconds.toFixed(2)} s, ${((serveCpuAfter - serveCpuBefore) / 1000).toFixed(1)} s CPU of allot serve (audit: ${audit.problems.length === 0 ? 'sound' : audit.problems.join('; ')})`,
        `  healthz:      ${describeLatencies(healthz)} during the advance`,
        `  GET pool:     ${describeLatencies(poolReads)} during the advance${probeSocketErrors === 0 ? '' : ` (${probeSocketErrors} probes' connections closed under them, asked again)`}`,
        `  transactions: longest seen open ${(longest.seconds * 1000).toFixed(0)} ms (sampled every 20 ms; ${longest.transactions.size} seen, ${over(0.1)} open ≥ 100 ms, ${over(1)} ≥ 1 s${sampleLosses === 0 ? '' : `; sampler reconnected ${sampleLosses} times`})`,
        `  (set-up through the API, not part of the figure: ${setUpSeconds.toFixed(1)} s)`,
      ];
    } catch (error) {
      done = true;
      process.stderr.write(`the bench failed: ${(error as Error).stack}\ncaused by ${String((error as { cause?: unknown }).cause)}\n`);
      process.stderr.write(`allot serve (exit ${serve.process.exitCode}, signal ${serve.process.signalCode}) said, at the end:\n${serve.output().slice(-4000)}\n`);
      throw error;
    } finally {
      await sampler.end();
      await serve.stop();
    }
  });
}
