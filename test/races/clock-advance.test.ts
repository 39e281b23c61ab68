// The manual clock's advance commits the clock with the work it drove, batch by batch: a process
// killed with SIGKILL mid-advance restarts with the clock where its committed work stands, and no
// balance has been reconciled past the clock. Advances sent together run one after the other, also
// sent to two processes over one PostgreSQL database (an advisory lock), and the server answers
// other requests while one runs; an advance whose lock's connection is lost, or whose server is
// stopped, answers 503.

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

/** The times at which something happened, which the clock's work stamps: none may be after the
 * stored clock (a kill -9 once left procurements' and instances' rows months ahead of it). */
const happenedColumns: Record<string, readonly string[]> = {
  allocation_entries: ['created_at'],
  orders: ['created_at', 'updated_at', 'filled_at', 'cancelled_at'],
  contracts: ['filled_at'],
  money_entries: ['created_at'],
  account_transactions: ['created_at'],
  procurements: ['updated_at'],
  instances: ['created_at', 'updated_at', 'started_at', 'ended_at'],
};
const latestHappened = (schema: string) =>
  `SELECT MAX(at) AS latest, (SELECT COUNT(*) FROM ${schema}contracts) AS contracts FROM (${Object.entries(happenedColumns)
    .flatMap(([table, columns]) => columns.map((column) => `SELECT MAX(${column}) AS at FROM ${schema}${table}`))
    .join(' UNION ALL ')}) AS times`;

interface Database {
  readonly url: string;
  /** The PostgreSQL schema allot works in. */
  readonly schema?: string;
  /** The stored clock and every balance's schedule and next boundary, read behind allot's back
   * once it has stopped (allot holds an SQLite file exclusively). */
  read(): Promise<{ clock: number; balances: { schedule: [number, number][]; next: number | null }[]; happened: { latest: number; contracts: number } }>;
  dispose(): Promise<void>;
}

async function freshDatabase(dialect: StoreDialect, name = 'clock'): Promise<Database> {
  const toState = (clock: string, rows: { schedule: string; next_boundary_at: number | string | null }[], happened: { latest: number | string | null; contracts: number | string }) => ({
    clock: Number(clock),
    happened: { latest: Number(happened.latest ?? 0), contracts: Number(happened.contracts) },
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
          return toState(clock, database.prepare('SELECT schedule, next_boundary_at FROM allocation_balances').all() as never, database.prepare(latestHappened('')).get() as never);
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
    schema,
    async read() {
      const reader = new pg.Client({ connectionString: postgresUrl });
      await reader.connect();
      try {
        const clock = (await reader.query(`SELECT value FROM "${schema}".settings WHERE key = 'manual_clock_now'`)).rows[0].value;
        return toState(clock, (await reader.query(`SELECT schedule, next_boundary_at FROM "${schema}".allocation_balances`)).rows, (await reader.query(latestHappened(`"${schema}".`))).rows[0]);
      } finally {
        await reader.end();
      }
    },
    dispose: () => dropSchema(schema),
  };
}

/** Ends the PostgreSQL connection that holds the manual clock's advance lock in `schema` (its
 * advisory lock's keys: postgres-store.ts, sessionLockClass, and the schema and lock's name), as
 * a restart of PostgreSQL would; how many it ended. */
async function endAdvanceLockConnection(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const ended = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1
          AND objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296`,
      [0x616c53, `${schema} manual clock advance`],
    );
    return ended.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Every balance's next boundary is the first step after the clock: work up to the clock is done, none beyond it. */
function expectWorkAtClock(state: Awaited<ReturnType<Database['read']>>): void {
  const wrong = state.balances.filter((balance) => {
    const next = balance.schedule.find(([at]) => at > state.clock)?.[0] ?? null;
    return balance.next !== next;
  });
  expect(wrong.map((balance) => ({ clock: state.clock, next: balance.next, steps: balance.schedule.length }))).toEqual([]);
  expect(state.happened.latest, 'the latest time a row says something happened').toBeLessThanOrEqual(state.clock);
}

/**
 * Two pools of a new account whose allocation changes every hour for `hours` hours from an hour
 * after the clock, at different minutes: thousands of due times. Answers the clock's time.
 */
async function startHourlyPools(operator: ApiClient, name: string, hours: number): Promise<number> {
  const start = (await operator.get('/admin/v1/clock')).body.now as number;
  const account = (await operator.post('/admin/v1/accounts', { name })).body;
  const client = operator.withToken(account.token);
  const sku = (await operator.post('/admin/v1/instance_skus', { alias: name })).body.id;
  for (let index = 0; index < 2; index++) {
    const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: `${name}-${index}` })).body.id;
    const first = start + 3600 + index * 600;
    const schedule = Array.from({ length: hours }, (_, hour) => ({ start_at: first + hour * 7200, end_at: first + hour * 7200 + 3600, node_count: 1 + (hour % 3) }));
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule })).status).toBe(201);
  }
  return start;
}

/**
 * What else the clock drives, stamping what it does with its time, on a SKU of its own: a
 * seller's standing sell, a buyer's procurement that buys from it, and an instance that starts
 * and ends with its pool's allocation, issued for an hour every two.
 */
async function startMarket(operator: ApiClient, name: string, days: number): Promise<void> {
  const start = (await operator.get('/admin/v1/clock')).body.now as number;
  const sku = (await operator.post('/admin/v1/instance_skus', { alias: name })).body.id;
  const accountOf = async (role: string) => {
    const account = (await operator.post('/admin/v1/accounts', { name: `${name}-${role}` })).body;
    expect((await operator.post(`/admin/v1/accounts/${account.id}/credits`, { amount_dollars: 1_000_000 })).status).toBe(201);
    return { id: account.id as string, client: operator.withToken(account.token) };
  };
  const seller = await accountOf('seller');
  const supply = (await operator.post('/admin/v1/pools', { account: seller.id, name: 'supply', kind: 'originating' })).body.id;
  expect((await operator.post('/admin/v1/allocations', { pool: supply, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: start + days * day, node_count: 10 }] })).status).toBe(201);
  const sell = await seller.client.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: Math.ceil(start / 60) * 60 + 60, end_at: start + days * day, node_count: 5 }], limit_price_dollars_per_node_hour: '1.00', allow_standing: true, allow_partial: true });
  expect(sell.body.status).toBe('standing');
  const buyer = await accountOf('buyer');
  const procured = (await buyer.client.post('/preview/v2/pools', { workspace: 'default', name: 'procured' })).body.id;
  const procurement = await buyer.client.post('/preview/v2/procurements', { pool: procured, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '0.50', max_buy_price_dollars_per_node_hour: '2.00', managed_window_minutes: 120 });
  expect(procurement.status).toBe(201);
  const hourly = (await buyer.client.post('/preview/v2/pools', { workspace: 'default', name: 'hourly' })).body.id;
  const schedule = Array.from({ length: days * 12 }, (_, hour) => ({ start_at: start + 3600 + hour * 7200, end_at: start + 7200 + hour * 7200, node_count: 1 }));
  expect((await operator.post('/admin/v1/allocations', { pool: hourly, instance_sku: sku, allocation_schedule: schedule })).status).toBe(201);
  expect((await buyer.client.post('/preview/v2/instances', { pool: hourly, instance_sku: sku, image: 'ubuntu-22.04-cuda-12.4' })).status).toBe(201);
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
  /** Starts allot again after an advance was cut short: it stands at `stoppedAt` with a sound
   * ledger, advances to `target`, and stops there with the work at the clock. */
  const restartAndFinish = async (stoppedAt: number, target: number) => {
    serve = await startServe();
    const operator = new ApiClient(serve.baseUrl, operatorToken);
    expect((await operator.get('/admin/v1/clock')).body.now).toBe(stoppedAt);
    expect((await operator.get('/admin/v1/audit')).body.problems).toEqual([]);
    expect((await operator.post('/admin/v1/clock/advance', { seconds: target - stoppedAt })).body.now).toBe(target);
    expect((await operator.get('/admin/v1/audit')).body.problems).toEqual([]);
    await serve.stop();
    const finished = await database.read();
    expect(finished.clock).toBe(target);
    expectWorkAtClock(finished);
  };

  it('keeps the clock and its work together through a kill -9 mid-advance', async () => {
    serve = await startServe();
    const operator = new ApiClient(serve.baseUrl, operatorToken);
    const start = await startHourlyPools(operator, 'clocked', 400);
    await startMarket(operator, 'clocked-market', 3);

    // Two advances sent together: the second waits for the first and starts where it ends.
    const [small, next] = await Promise.all([operator.post('/admin/v1/clock/advance', { seconds: 3600 }), operator.post('/admin/v1/clock/advance', { seconds: 1800 })]);
    expect([small.status, next.status]).toEqual([200, 200]);
    expect([small.body.now, next.body.now].sort()).toEqual([start + 3600, start + 5400]);

    // A long advance, killed once it is well under way; the server answers meanwhile.
    const target = start + 5400 + 40 * day;
    const advance = operator.post('/admin/v1/clock/advance', { seconds: 40 * day }).catch(() => null);
    let answered = false;
    void advance.finally(() => (answered = true));
    let during = start;
    while (during < start + 5400 + 2 * day) {
      // Answered while the advance runs: it is killed later, unfinished (see below).
      expect((await fetch(`${serve.baseUrl}/v1/_healthz`)).status).toBe(200);
      expect(answered).toBe(false);
      during = (await operator.get('/admin/v1/clock')).body.now;
    }
    await serve.stop('SIGKILL');
    await advance;
    const killed = await database.read();
    expect(killed.clock).toBeGreaterThan(start + 5400);
    expect(killed.clock).toBeLessThan(target);
    expectWorkAtClock(killed);
    // The procurement bought meanwhile: the check of what happened has something to check.
    expect(killed.happened.contracts).toBeGreaterThan(0);

    // Restarted, it stands where it was killed, the ledger is sound, and it can go on.
    await restartAndFinish(killed.clock, target);
  }, 180_000);

  it('stops promptly on SIGINT mid-advance: the advance answers 503, its work so far kept with the clock', async () => {
    serve = await startServe();
    const operator = new ApiClient(serve.baseUrl, operatorToken);
    const start = await startHourlyPools(operator, 'stopped', 720);

    // Stopped once the advance is well under way: rather than finish the other fifty-odd days
    // first, it ends at the batch under way and answers, and allot exits cleanly.
    const target = start + 60 * day;
    const advance = operator.post('/admin/v1/clock/advance', { seconds: 60 * day });
    let during = start;
    while (during < start + 2 * day) during = (await operator.get('/admin/v1/clock')).body.now;
    const exited = serve.stop('SIGINT');
    const cut = await advance;
    expect(cut.status).toBe(503);
    expect(cut.headers.get('retry-after')).toBe('5');
    expect(cut.body).toMatchObject({ error: { type: 'service_unavailable', message: expect.stringMatching(/^allot is stopping: the clock stands at \d+/) } });
    expect(await exited).toBe(0);
    const stopped = await database.read();
    expect(stopped.clock).toBeGreaterThanOrEqual(during);
    expect(stopped.clock).toBeLessThan(target);
    expect(cut.body.error.message).toContain(`the clock stands at ${stopped.clock},`);
    expectWorkAtClock(stopped);

    // Started again, it stands there, sound, and advances the rest.
    await restartAndFinish(stopped.clock, target);
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

  it('queues advances sent to either process, never takes the stored clock back, also killed -9 or losing its lock mid-advance', async () => {
    const [first, second] = [await startServe(), await startServe()];
    const viaFirst = new ApiClient(first.baseUrl, operatorToken);
    const viaSecond = new ApiClient(second.baseUrl, operatorToken);
    const start = (await viaFirst.get('/admin/v1/clock')).body.now as number;
    const account = (await viaFirst.post('/admin/v1/accounts', { name: 'Clocked twice' })).body;
    const client = new ApiClient(first.baseUrl, account.token);
    const sku = (await viaFirst.post('/admin/v1/instance_skus', { alias: 'clocked-twice' })).body.id;
    const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'hourly' })).body.id;
    const schedule = Array.from({ length: 300 }, (_, hour) => ({ start_at: start + 3600 + hour * 7200, end_at: start + 7200 + hour * 7200, node_count: 1 + (hour % 3) }));
    expect((await viaFirst.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule })).status).toBe(201);
    // A pool whose allocation comes in the middle of the first of two advances sent at once, and
    // goes in the middle of the second, whichever runs first: its instance ends at that time.
    const together = start + day + 60;
    const marked = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'marked' })).body.id;
    expect((await viaFirst.post('/admin/v1/allocations', { pool: marked, instance_sku: sku, allocation_schedule: [{ start_at: together + 5 * day, end_at: together + 15 * day, node_count: 1 }] })).status).toBe(201);
    expect((await client.post('/preview/v2/instances', { pool: marked, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'marked' })).status).toBe(201);

    // The first goes a day ahead; the second, whose own clock stood still, starts from there.
    expect((await viaFirst.post('/admin/v1/clock/advance', { seconds: day })).body.now).toBe(start + day);
    expect((await viaSecond.post('/admin/v1/clock/advance', { seconds: 60 })).body.now).toBe(start + day + 60);
    expect((await database.read()).clock).toBe(start + day + 60);
    expectWorkAtClock(await database.read());

    // Two advances of ten days at once, one to each process: they take turns (an advisory lock),
    // the second starting where the first ended, so the stored clock is their sum; each process
    // answers meanwhile and its clock never goes back; the marked pool's allocation, which ends in
    // the middle of the second, ended its instance at its own time.
    let bothAnswered = false;
    const advances = Promise.all([viaFirst.post('/admin/v1/clock/advance', { seconds: 10 * day }), viaSecond.post('/admin/v1/clock/advance', { seconds: 10 * day })]).finally(() => (bothAnswered = true));
    const readings: number[][] = [[], []];
    while (!bothAnswered) {
      for (const [index, via] of [viaFirst, viaSecond].entries()) {
        readings[index]!.push((await via.get('/admin/v1/clock')).body.now);
        expect((await via.get('/v1/_healthz')).status).toBe(200);
      }
    }
    const [one, other] = await advances;
    expect([one.status, other.status]).toEqual([200, 200]);
    expect([one.body.now, other.body.now].sort()).toEqual([together + 10 * day, together + 20 * day]);
    expect((await database.read()).clock).toBe(together + 20 * day);
    for (const [index, via] of [viaFirst, viaSecond].entries()) readings[index]!.push((await via.get('/admin/v1/clock')).body.now);
    for (const reading of readings) expect(reading).toEqual([...reading].sort((a, b) => a - b));
    // Each process's clock stands where its own advance ended; the stored one where the second did.
    expect(readings.map((reading) => reading.at(-1))).toEqual([one.body.now, other.body.now]);
    expect((await client.get('/preview/v2/instances/marked')).body).toMatchObject({ status: 'terminated', updated_at: together + 15 * day });
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
    expect((await database.read()).clock).toBe(killed.clock + 3600);
    expectWorkAtClock(await database.read());

    // The connection holding the advance's lock lost mid-advance (as when PostgreSQL restarts):
    // another process could take the lock, so the advance stops with 503, in SF Compute's
    // envelope, its work so far kept with the clock; the process is not wedged, and advances on.
    const beforeLoss = (await database.read()).clock;
    const later = (await new ApiClient(second.baseUrl, account.token).post('/preview/v2/pools', { workspace: 'default', name: 'hourly-later' })).body.id;
    const laterSchedule = Array.from({ length: 720 }, (_, hour) => ({ start_at: beforeLoss + 3600 + hour * 7200, end_at: beforeLoss + 7200 + hour * 7200, node_count: 1 + (hour % 3) }));
    expect((await viaSecond.post('/admin/v1/allocations', { pool: later, instance_sku: sku, allocation_schedule: laterSchedule })).status).toBe(201);
    const lost = viaSecond.post('/admin/v1/clock/advance', { seconds: 60 * day });
    while ((await database.read()).clock < beforeLoss + day) expect((await fetch(`${second.baseUrl}/v1/_healthz`)).status).toBe(200);
    expect(await endAdvanceLockConnection(database.schema!)).toBe(1);
    const refused = await lost;
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { type: 'service_unavailable' } });
    const afterLoss = await database.read();
    expect(afterLoss.clock).toBeGreaterThan(beforeLoss);
    expect(afterLoss.clock).toBeLessThan(beforeLoss + 60 * day);
    expectWorkAtClock(afterLoss);
    expect((await viaSecond.post('/admin/v1/clock/advance', { seconds: 3600 })).body.now).toBe(afterLoss.clock + 3600);
    expect((await viaSecond.get('/admin/v1/audit')).body.problems).toEqual([]);
    const stored = (await database.read()).clock;
    expect(stored).toBe(afterLoss.clock + 3600);

    // A restart stands where the stored clock does.
    await second.stop();
    const again = new ApiClient((await startServe()).baseUrl, operatorToken);
    expect((await again.get('/admin/v1/clock')).body.now).toBe(stored);
    expect((await again.get('/admin/v1/audit')).body.problems).toEqual([]);
  }, 180_000);
});
