// `allot serve` as a user runs it: its help, its flags, a clean shutdown, and a database of a
// newer schema refused with a clear message.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';

const run = promisify(execFile);
const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));

async function allot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [allotBin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('allot serve', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-cli-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('explains every flag in --help', async () => {
    const { code, stdout } = await allot('serve', '--help');
    expect(code).toBe(0);
    for (const flag of ['--host', '--port', '--db', '--clock', '--seed', '--log-level', 'ALLOT_ADMIN_TOKEN', 'sqlite::memory:', 'postgres://']) {
      expect(stdout).toContain(flag);
    }
  });

  it('refuses bad flags with a message and exit code 2', async () => {
    for (const args of [['--port', 'eighty'], ['--clock', 'sundial'], ['--seed', 'everything'], ['--db', 'mysql://x'], ['--frobnicate']]) {
      const { code, stderr } = await allot('serve', ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('allot serve:');
    }
  });

  it('seeds a new database once, prints both tokens, and shuts down cleanly on SIGTERM and SIGINT', async () => {
    const db = `sqlite:${join(directory, 'seeded.db')}`;
    const first = await startServeProcess(['--db', db, '--clock', 'manual']);
    expect(first.output()).toContain('Operator token: allot_admin_');
    expect(first.demoToken).toMatch(/^allot_sk_/);
    const demo = new ApiClient(first.baseUrl, first.demoToken);
    const me = await demo.get('/preview/v2/me');
    expect(me.body.account_id).toBe('demo');
    // The catalogue, and a provider whose supply is on offer for the coming two weeks, in daily asks.
    const skus = await demo.get('/preview/v2/instance_skus');
    expect(skus.body.data.map((sku: { alias: string }) => sku.alias).sort()).toEqual(['h100-fishermanswharf', 'h100-hayesvalley', 'h100-richmond', 'h200-yerbabuena']);
    const availability = await demo.get('/preview/v2/instance_skus/availability?accelerator=h100&availability_zone=richmond');
    const [supply] = availability.body.data[0].schedule;
    expect(supply.node_count).toBe(64);
    const day = 24 * 3600;
    expect(availability.body.data[0].schedule[1].start_at).toBe(Math.ceil((supply.start_at + 14 * day) / day) * day);
    // The demo account has $10,000 and can buy an hour of a node at once.
    expect((await demo.get('/v1/balances')).body.available_balance_cents).toBe(1_000_000);
    const pool = await demo.post('/preview/v2/pools', { workspace: 'default', name: 'first' });
    const preview = await demo.post('/preview/v2/order_preview', { side: 'buy', requirements: { accelerator: ['H100'] }, start_at: supply.start_at + 60, duration_seconds: 3600, node_count: 1, pool: pool.body.id });
    expect(preview.body.type).toBe('quoted');
    expect(Number(preview.body.post_order_body.limit_price_dollars_per_node_hour)).toBeGreaterThan(10);
    expect((await demo.post('/preview/v2/orders', preview.body.post_order_body)).body.status).toBe('filled');
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startServeProcess(['--db', db]);
    expect(second.demoToken).toBeNull();
    expect(second.output()).not.toContain('allot_admin_');
    expect((await new ApiClient(second.baseUrl, first.demoToken).get('/preview/v2/me')).status).toBe(200);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('keeps the manual clock where it was advanced to across a restart', async () => {
    const db = `sqlite:${join(directory, 'clock.db')}`;
    const env = { ALLOT_ADMIN_TOKEN: 'clock-operator' };
    const first = await startServeProcess(['--db', db, '--clock', 'manual', '--seed', 'none'], env);
    const operator = new ApiClient(first.baseUrl, 'clock-operator');
    const before = (await operator.get('/admin/v1/clock')).body.now as number;
    expect(before % 60).toBe(0);
    await operator.post('/admin/v1/clock/advance', { seconds: 7 * 24 * 3600 });
    await first.stop();
    const second = await startServeProcess(['--db', db, '--clock', 'manual', '--seed', 'none'], env);
    try {
      expect((await new ApiClient(second.baseUrl, 'clock-operator').get('/admin/v1/clock')).body).toEqual({ object: 'clock', mode: 'manual', now: before + 7 * 24 * 3600 });
    } finally {
      await second.stop();
    }
  });

  it('uses ALLOT_ADMIN_TOKEN as the operator token, and --seed none seeds nothing', async () => {
    const served = await startServeProcess(['--db', 'sqlite::memory:', '--seed', 'none'], { ALLOT_ADMIN_TOKEN: 'my-operator-token' });
    try {
      expect(served.demoToken).toBeNull();
      const accounts = await new ApiClient(served.baseUrl, 'my-operator-token').get('/admin/v1/accounts');
      expect(accounts.status).toBe(200);
      // Only the account that owns SF Compute's public images.
      expect(accounts.body.data.map((account: { id: string }) => account.id)).toEqual(['sfcompute']);
    } finally {
      await served.stop();
    }
  });

  it('refuses to open an SQLite file another allot process is serving', async () => {
    const db = `sqlite:${join(directory, 'owned.db')}`;
    const owner = await startServeProcess(['--db', db]);
    try {
      const { code, stderr } = await allot('serve', '--db', db, '--port', '0');
      expect(code).toBe(1);
      expect(stderr).toContain('another process holds it');
    } finally {
      await owner.stop();
    }
  });

  it('stops in order on a SIGTERM that comes at its first answer, while it still seeds: exit 0, the seed whole', async () => {
    const db = `sqlite:${join(directory, 'stopped-early.db')}`;
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const child = spawn(process.execPath, [allotBin, 'serve', '--port', String(port), '--db', db, '--log-level', 'warn'], {
      env: { ...process.env, ALLOT_ADMIN_TOKEN: 'early-operator' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // Stopped as soon as it answers: the seed (after listening) is then most likely under way.
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline && child.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/admin/v1/clock`, { headers: { authorization: 'Bearer early-operator' } }).then((response) => response.status, () => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(status, output).toBe(200);
    child.kill('SIGTERM');
    expect(await exited, output).toEqual({ code: 0, signal: null });
    const demoToken = /Demo account "demo" token: (\S+)/.exec(output)?.[1];
    expect(demoToken, output).toMatch(/^allot_sk_/);

    const again = await startServeProcess(['--db', db]);
    try {
      expect(again.demoToken).toBeNull();
      expect((await new ApiClient(again.baseUrl, demoToken!).get('/v1/balances')).body.available_balance_cents).toBe(1_000_000);
    } finally {
      await again.stop();
    }
  });

  it('refuses a database written by a newer allot', async () => {
    const path = join(directory, 'newer.db');
    const first = await startServeProcess(['--db', `sqlite:${path}`]);
    await first.stop();
    const database = new BetterSqlite3(path);
    database.prepare('INSERT INTO allot_schema_version (version, name, applied_at) VALUES (999, ?, 0)').run('from the future');
    database.close();
    const { code, stderr } = await allot('serve', '--db', `sqlite:${path}`, '--port', '0');
    expect(code).toBe(1);
    expect(stderr).toContain('schema version 999');
    expect(stderr).toContain('upgrade allot');
  });
});
