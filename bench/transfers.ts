// Pool transfers committed per second through HTTP, on SQLite and on PostgreSQL, each beside the
// store's raw rate of an equivalent transaction — two rows updated and committed — measured in
// the same run against the same engine.

import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { cpuMsOf, formatRate, load, startChild, urlWithSchema, withSchema } from './support.js';

/** Another build's `bin/allot.js` may be measured instead (BENCH_ALLOT_BIN), for A/B runs back to back. */
const allotBin = process.env.BENCH_ALLOT_BIN ?? fileURLToPath(new URL('../bin/allot.js', import.meta.url));
/** Node options for the allot process (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`). */
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
const operatorToken = 'bench-operator';
const connections = 16;

/** The local TCP ports of a process's sockets (Linux's /proc; none elsewhere). */
function tcpPortsOf(pid: number): number[] {
  try {
    const inodes = new Set(readdirSync(`/proc/${pid}/fd`).flatMap((fd) => /^socket:\[(\d+)\]$/.exec(readlinkOrEmpty(`/proc/${pid}/fd/${fd}`))?.[1] ?? []));
    const lines = ['tcp', 'tcp6'].flatMap((table) => readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1));
    return lines.map((line) => line.trim().split(/\s+/)).filter((fields) => inodes.has(fields[9]!)).map((fields) => parseInt(fields[1]!.split(':')[1]!, 16));
  } catch {
    return [];
  }
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** CPU used so far by the PostgreSQL backends serving a process's connections (same machine only). */
async function postgresBackendsCpuMs(postgresUrl: string, pid: number): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const backends = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [tcpPortsOf(pid)]);
    return new Map(backends.rows.map((row) => [row.pid, cpuMsOf(row.pid)]));
  } finally {
    await client.end();
  }
}

interface TransfersMeasured {
  readonly perSecond: number;
  /** The allot process's CPU per transfer: on a shared machine steadier than the rate. */
  readonly cpuMsPerTransfer: number;
  /** On PostgreSQL, its backends' CPU per transfer for allot's connections. */
  readonly postgresCpuMsPerTransfer: number | null;
}

async function transfersThroughHttp(db: string, seconds: number, postgresUrl: string | null = null): Promise<TransfersMeasured> {
  const allot = await startChild([...nodeArgs, allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
  try {
    const call = async (token: string, path: string, body: unknown) => {
      const response = await fetch(`${allot.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, any>;
    };
    const account = await call(operatorToken, '/admin/v1/accounts', { name: 'Bench' });
    const sku = await call(operatorToken, '/admin/v1/instance_skus', { alias: 'bench' });
    const from = await call(account.token, '/preview/v2/pools', { workspace: 'default', name: 'from' });
    const to = await call(account.token, '/preview/v2/pools', { workspace: 'default', name: 'to' });
    const start = Math.ceil(Date.now() / 60_000) * 60 + 3600;
    await call(operatorToken, '/admin/v1/allocations', { pool: from.id, instance_sku: sku.id, allocation_schedule: [{ start_at: start, end_at: start + 86_400, node_count: 1_000_000_000 }] });
    const body = JSON.stringify({ from_pool: from.id, to_pool: to.id, instance_sku: sku.id, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }] });
    const headers = { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' };
    // A second's warm-up first, so that what is compiled once (schemas, statements, connections) is not measured.
    const warmUp = await load(`${allot.baseUrl}/preview/v2/pool_transfers`, headers, 1, connections, { method: 'POST', body });
    const pid = allot.process.pid!;
    const cpuBeforeMs = cpuMsOf(pid);
    const backendsBefore = postgresUrl === null ? null : await postgresBackendsCpuMs(postgresUrl, pid);
    const result = await load(`${allot.baseUrl}/preview/v2/pool_transfers`, headers, seconds, connections, { method: 'POST', body });
    const cpuMs = cpuMsOf(pid) - cpuBeforeMs;
    const backendsAfter = postgresUrl === null ? null : await postgresBackendsCpuMs(postgresUrl, pid);
    if (result.non2xx + warmUp.non2xx > 0) throw new Error(`${result.non2xx + warmUp.non2xx} transfers failed`);
    const transfers = result.requestsPerSecond * seconds;
    const postgresCpuMs = backendsAfter === null ? null : [...backendsAfter].reduce((sum, [backend, cpuAfterMs]) => sum + cpuAfterMs - (backendsBefore!.get(backend) ?? 0), 0);
    return { perSecond: result.requestsPerSecond, cpuMsPerTransfer: cpuMs / transfers, postgresCpuMsPerTransfer: postgresCpuMs === null ? null : postgresCpuMs / transfers };
  } finally {
    await allot.stop();
  }
}

function sqliteRawRate(path: string, seconds: number): number {
  const database = new BetterSqlite3(path);
  database.pragma('locking_mode = EXCLUSIVE');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL); INSERT INTO rows VALUES (1, \'\'), (2, \'\');');
  const update = database.prepare('UPDATE rows SET value = ? WHERE id = ?');
  const transaction = database.transaction((value: string) => {
    update.run(value, 1);
    update.run(value, 2);
  });
  let count = 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) transaction.immediate(`[[${count},1]]`), count++;
  database.close();
  return count / seconds;
}

async function postgresRawRate(url: string, schema: string, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections, options: `-c search_path=${schema}` });
  await pool.query('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  await pool.query("INSERT INTO rows VALUES (1, ''), (2, '')");
  let count = 0;
  const deadline = Date.now() + seconds * 1000;
  // Like the transfers, concurrent clients contend for the same two rows.
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = await pool.connect();
      try {
        while (Date.now() < deadline) {
          await client.query('BEGIN');
          await client.query('SELECT value FROM rows WHERE id IN (1, 2) ORDER BY id FOR UPDATE');
          await client.query('UPDATE rows SET value = $1 WHERE id = 1', [String(count)]);
          await client.query('UPDATE rows SET value = $1 WHERE id = 2', [String(count)]);
          await client.query('COMMIT');
          count++;
        }
      } finally {
        client.release();
      }
    }),
  );
  await pool.end();
  return count / seconds;
}

export async function benchTransfers(seconds: number, postgresUrl: string | undefined): Promise<string[]> {
  const lines = ['pool transfers committed per second (HTTP, 16 connections) beside a raw two-row transaction on the same engine'];
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-transfers-'));
  try {
    const http = await transfersThroughHttp(`sqlite:${join(directory, 'allot.db')}`, seconds);
    const raw = sqliteRawRate(join(directory, 'raw.db'), seconds);
    lines.push(`  SQLite:     ${formatRate(http.perSecond)} transfers/s   raw ${formatRate(raw)} tx/s   ratio ${(http.perSecond / raw).toFixed(2)}   allot CPU ${http.cpuMsPerTransfer.toFixed(2)} ms/transfer`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (postgresUrl === undefined) {
    lines.push('  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)');
    return lines;
  }
  const http = await withSchema(postgresUrl, 'allot_bench_http', (schema) => transfersThroughHttp(urlWithSchema(postgresUrl, schema), seconds, postgresUrl));
  const raw = await withSchema(postgresUrl, 'allot_bench_raw', (schema) => postgresRawRate(postgresUrl, schema, seconds));
  lines.push(`  PostgreSQL: ${formatRate(http.perSecond)} transfers/s   raw ${formatRate(raw)} tx/s   ratio ${(http.perSecond / raw).toFixed(2)}   allot CPU ${http.cpuMsPerTransfer.toFixed(2)} ms/transfer, its backends' ${http.postgresCpuMsPerTransfer!.toFixed(2)}`);
  return lines;
}
