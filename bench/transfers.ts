// Pool transfers committed per second through HTTP, on SQLite and on PostgreSQL, each beside the
// store's raw rate of an equivalent transaction — two rows updated and committed — measured in
// the same run against the same engine.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { formatRate, load, startChild, urlWithSchema, withSchema } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const operatorToken = 'bench-operator';
const connections = 16;

async function transfersThroughHttp(db: string, seconds: number): Promise<number> {
  const allot = await startChild([allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
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
    const result = await load(`${allot.baseUrl}/preview/v2/pool_transfers`, { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' }, seconds, connections, { method: 'POST', body });
    if (result.non2xx > 0) throw new Error(`${result.non2xx} transfers failed`);
    return result.requestsPerSecond;
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
    lines.push(`  SQLite:     ${formatRate(http)} transfers/s   raw ${formatRate(raw)} tx/s   ratio ${(http / raw).toFixed(2)}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (postgresUrl === undefined) {
    lines.push('  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)');
    return lines;
  }
  const http = await withSchema(postgresUrl, 'allot_bench_http', (schema) => transfersThroughHttp(urlWithSchema(postgresUrl, schema), seconds));
  const raw = await withSchema(postgresUrl, 'allot_bench_raw', (schema) => postgresRawRate(postgresUrl, schema, seconds));
  lines.push(`  PostgreSQL: ${formatRate(http)} transfers/s   raw ${formatRate(raw)} tx/s   ratio ${(http / raw).toFixed(2)}`);
  return lines;
}
