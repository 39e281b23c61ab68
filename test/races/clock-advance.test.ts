// The manual clock's advance commits the clock with the work it drove, batch by batch: a process
// killed with SIGKILL mid-advance restarts with the clock where its committed work stands, and no
// balance has been reconciled past the clock. Advances sent together run one after the other, and
// the server answers other requests while one runs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreDialect } from '../../src/store/store.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, postgresUrl, testDialects } from '../support/stores.js';

const operatorToken = 'allot_admin_clock-operator';
const day = 24 * 3600;

interface Database {
  readonly url: string;
  /** The stored clock and every balance's schedule and next boundary, read behind allot's back
   * once it has stopped (allot holds an SQLite file exclusively). */
  read(): Promise<{ clock: number; balances: { schedule: [number, number][]; next: number | null }[] }>;
  dispose(): Promise<void>;
}

async function freshDatabase(dialect: StoreDialect, name = 'clock'): Promise<Database> {
  const toState = (clock: string, rows: { schedule: string; next_boundary_at: number | string | null }[]) => ({
    clock: Number(clock),
    balances: rows.map((row) => ({ schedule: JSON.parse(row.schedule) as [number, number][], next: row.next_boundary_at === null ? null : Number(row.next_boundary_at) })),
  });
  if (dialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'allot-clock-'));
    const path = join(directory, 'allot.db');
    return {
      url: `sqlite:${path}`,
      async read() {
        const database = new BetterSqlite3(path);
        try {
          const clock = (database.prepare("SELECT value FROM settings WHERE key = 'manual_clock_now'").get() as { value: string }).value;
          return toState(clock, database.prepare('SELECT schedule, next_boundary_at FROM allocation_balances').all() as never);
        } finally {
          database.close();
        }
      },
      dispose: async () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  const schema = `allot_${name}_${process.pid}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  return {
    url: `${postgresUrl}?options=-c%20search_path%3D${schema}`,
    async read() {
      const reader = new pg.Client({ connectionString: postgresUrl });
      await reader.connect();
      try {
        const clock = (await reader.query(`SELECT value FROM "${schema}".settings WHERE key = 'manual_clock_now'`)).rows[0].value;
        return toState(clock, (await reader.query(`SELECT schedule, next_boundary_at FROM "${schema}".allocation_balances`)).rows);
      } finally {
        await reader.end();
      }
    },
    dispose: () => dropSchema(schema),
  };
}

/** Every balance's next boundary is the first step after the clock: work up to the clock is done, none beyond it. */
function expectWorkAtClock(state: Awaited<ReturnType<Database['read']>>): void {
  const wrong = state.balances.filter((balance) => {
    const next = balance.schedule.find(([at]) => at > state.clock)?.[0] ?? null;
    return balance.next !== next;
  });
  expect(wrong.map((balance) => ({ clock: state.clock, next: balance.next, steps: balance.schedule.length }))).toEqual([]);
}

describe.each(testDialects)('advancing the manual clock (%s)', (dialect) => {
  let database: Database;
  let serve: ServeProcess | null = null;
  const startServe = () => startServeProcess(['--db', database.url, '--seed', 'none', '--clock', 'manual'], { ALLOT_ADMIN_TOKEN: operatorToken });
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await database?.dispose();
  });

  it('keeps the clock and its work together through a kill -9 mid-advance', async () => {
    serve = await startServe();
    let operator = new ApiClient(serve.baseUrl, operatorToken);
    const start = (await operator.get('/admin/v1/clock')).body.now as number;
    const account = (await operator.post('/admin/v1/accounts', { name: 'Clocked' })).body;
    const client = new ApiClient(serve.baseUrl, account.token);
    const sku = (await operator.post('/admin/v1/instance_skus', { alias: 'clocked' })).body.id;
    // Two pools whose allocation changes every hour, at different minutes: thousands of due times.
    for (let index = 0; index < 2; index++) {
      const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: `hourly-${index}` })).body.id;
      const first = start + 3600 + index * 600;
      const schedule = Array.from({ length: 400 }, (_, hour) => ({ start_at: first + hour * 7200, end_at: first + hour * 7200 + 3600, node_count: 1 + (hour % 3) }));
      expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule })).status).toBe(201);
    }

    // Two advances sent together: the second waits for the first and starts where it ends.
    const [small, next] = await Promise.all([operator.post('/admin/v1/clock/advance', { seconds: 3600 }), operator.post('/admin/v1/clock/advance', { seconds: 1800 })]);
    expect([small.status, next.status]).toEqual([200, 200]);
    expect([small.body.now, next.body.now].sort()).toEqual([start + 3600, start + 5400]);

    // A long advance, killed once it is well under way; the server answers meanwhile.
    const target = start + 5400 + 40 * day;
    const advance = operator.post('/admin/v1/clock/advance', { seconds: 40 * day }).catch(() => null);
    let during = start;
    while (during < start + 5400 + 2 * day) {
      const began = Date.now();
      const health = await fetch(`${serve.baseUrl}/v1/_healthz`);
      expect(health.status).toBe(200);
      expect(Date.now() - began).toBeLessThan(2_000);
      during = (await operator.get('/admin/v1/clock')).body.now;
    }
    await serve.stop('SIGKILL');
    await advance;
    const killed = await database.read();
    expect(killed.clock).toBeGreaterThan(start + 5400);
    expect(killed.clock).toBeLessThan(target);
    expectWorkAtClock(killed);

    // Restarted, it stands where it was killed, the ledger is sound, and it can go on.
    serve = await startServe();
    operator = new ApiClient(serve.baseUrl, operatorToken);
    expect((await operator.get('/admin/v1/clock')).body.now).toBe(killed.clock);
    expect((await operator.get('/admin/v1/audit')).body.problems).toEqual([]);
    expect((await operator.post('/admin/v1/clock/advance', { seconds: target - killed.clock })).body.now).toBe(target);
    expect((await operator.get('/admin/v1/audit')).body.problems).toEqual([]);
    await serve.stop();
    const finished = await database.read();
    expect(finished.clock).toBe(target);
    expectWorkAtClock(finished);
  }, 180_000);
});

describe.runIf(testDialects.includes('postgres'))('advancing the manual clock of two processes over one PostgreSQL database', () => {
  let database: Database;
  const serves: ServeProcess[] = [];
  const startServe = async () => {
    const serve = await startServeProcess(['--db', database.url, '--seed', 'none', '--clock', 'manual'], { ALLOT_ADMIN_TOKEN: operatorToken });
    serves.push(serve);
    return serve;
  };
  beforeAll(async () => {
    database = await freshDatabase('postgres', 'clocks');
  });
  afterAll(async () => {
    await Promise.all(serves.map((serve) => serve.stop('SIGKILL')));
    await database?.dispose();
  });

  it('never takes the stored clock back, whichever process advances, also at once or killed -9 mid-advance', async () => {
    const [first, second] = [await startServe(), await startServe()];
    const viaFirst = new ApiClient(first.baseUrl, operatorToken);
    const viaSecond = new ApiClient(second.baseUrl, operatorToken);
    const start = (await viaFirst.get('/admin/v1/clock')).body.now as number;
    const account = (await viaFirst.post('/admin/v1/accounts', { name: 'Clocked twice' })).body;
    const client = new ApiClient(first.baseUrl, account.token);
    const sku = (await viaFirst.post('/admin/v1/instance_skus', { alias: 'clocked-twice' })).body.id;
    const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'hourly' })).body.id;
    const schedule = Array.from({ length: 200 }, (_, hour) => ({ start_at: start + 3600 + hour * 7200, end_at: start + 7200 + hour * 7200, node_count: 1 + (hour % 3) }));
    expect((await viaFirst.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule })).status).toBe(201);

    // The first goes a day ahead; the second, whose own clock stood still, starts from there.
    expect((await viaFirst.post('/admin/v1/clock/advance', { seconds: day })).body.now).toBe(start + day);
    expect((await viaSecond.post('/admin/v1/clock/advance', { seconds: 60 })).body.now).toBe(start + day + 60);
    expect((await database.read()).clock).toBe(start + day + 60);
    expectWorkAtClock(await database.read());

    // Both at once, each answered, the other process answering meanwhile: the stored clock is the
    // furthest either reached, and no work stands past it.
    const [long, short] = await Promise.all([viaFirst.post('/admin/v1/clock/advance', { seconds: 10 * day }), viaSecond.post('/admin/v1/clock/advance', { seconds: 3600 }), expect(viaSecond.get('/v1/_healthz')).resolves.toMatchObject({ status: 200 })]);
    expect([long.status, short.status]).toEqual([200, 200]);
    const together = (await database.read()).clock;
    expect(together).toBe(Math.max(long.body.now, short.body.now));
    expect(together).toBeGreaterThanOrEqual(start + day + 60 + 10 * day);
    expectWorkAtClock(await database.read());
    expect((await viaSecond.get('/admin/v1/audit')).body.problems).toEqual([]);

    // The first killed mid-advance: the second answers meanwhile and after, the stored clock and
    // its work stand together, and an advance through the second goes on from there.
    const before = (await database.read()).clock;
    let answered = false;
    const killedAdvance = viaFirst.post('/admin/v1/clock/advance', { seconds: 60 * day }).catch(() => null).finally(() => (answered = true));
    while (!answered && (await database.read()).clock < before + 2 * day) expect((await fetch(`${second.baseUrl}/v1/_healthz`)).status).toBe(200);
    await first.stop('SIGKILL');
    await killedAdvance;
    const killed = await database.read();
    // Killed under way, or (on a quick run) just done: either way the clock and its work agree.
    expect(killed.clock).toBeGreaterThan(before);
    expect(killed.clock).toBeLessThanOrEqual(before + 60 * day);
    expectWorkAtClock(killed);
    expect((await viaSecond.get('/admin/v1/audit')).body.problems).toEqual([]);
    const resumed = await viaSecond.post('/admin/v1/clock/advance', { seconds: 3600 });
    expect(resumed.body.now).toBe(killed.clock + 3600);
    const stored = (await database.read()).clock;
    expect(stored).toBe(killed.clock + 3600);
    expectWorkAtClock(await database.read());

    // A restart stands where the stored clock does.
    await second.stop();
    const again = new ApiClient((await startServe()).baseUrl, operatorToken);
    expect((await again.get('/admin/v1/clock')).body.now).toBe(stored);
    expect((await again.get('/admin/v1/audit')).body.problems).toEqual([]);
  }, 180_000);
});
