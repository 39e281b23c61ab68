// The engine under a moving clock: when time passes a schedule boundary without an advance, the
// engine notices and reconciles; processes sharing PostgreSQL elect one leader; and while the
// database is away the engine pauses, saying so once, and resumes with what fell due meanwhile.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { postgresUrl, testDialects } from '../support/stores.js';
import { boundaryBatchesAtOnce, boundaryBatchSize } from '../../src/domain/kernel/limits.js';
import { moveAllocation } from '../../src/app/allocation/ledger.js';
import { newId } from '../../src/app/kernel/context.js';
import { normalize } from '../../src/domain/kernel/schedule.js';
import type { Store } from '../../src/store/store.js';
import pg from 'pg';
import { eventually } from '../support/eventually.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

interface LogLine {
  readonly level: 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** The engine's log, kept for the test to read. */
function recordingLog(): { readonly lines: LogLine[]; warn(fields: object, message: string): void; error(fields: object, message: string): void } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    error: (fields, message) => lines.push({ level: 'error', fields: fields as Record<string, unknown>, message }),
  };
}

describe.each(testDialects)('the engine on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('reconciles a boundary the clock has passed', async () => {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'engine-pool' })).body.id;
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: t + 60, node_count: 1 }]);
    const instance = await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku });
    expect(instance.body.status).toBe('running');
    // Time moves as a real clock's would, with no advance to process the boundary.
    server.clock.set(t + 90);
    const log = recordingLog();
    const engine = new Engine(server.context, log);
    engine.start();
    try {
      let status = 'running';
      for (let attempt = 0; attempt < 50 && status === 'running'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (await account.get(`/preview/v2/instances/${instance.body.id}`)).body.status;
      }
      expect(status).toBe('terminated');
      // A boundary late to be processed is processed at the present: the past is not rewritten.
      expect((await account.get(`/preview/v2/instances/${instance.body.id}`)).body.updated_at).toBe(t + 90);
    } finally {
      await engine.stop();
    }
    expect(log.lines).toEqual([]);
    expect(await server.audit()).toEqual([]);
  });
});

describe.each(testDialects)('batches run at once on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    // Thousands of commits' worth of set-up: audited once at the end instead of at every commit.
    server = await startTestServer(dialect, { verify: false });
  });
  afterAll(() => server.close());

  it('ends every instance of a due time with more boundaries than batches run at once hold, the clock saved', async () => {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku();
    const image = await server.context.store.read(async (tx) => {
      const publicWorkspace = (await tx.workspaces.findByName('sfcompute', 'public'))!;
      return (await tx.images.list({ workspaceId: publicWorkspace.id, ids: null }, { direction: 'older', boundarySeq: null, limit: 1 }))[0]!.id;
    });
    const t = server.clock.now();
    const poolCount = boundaryBatchSize * boundaryBatchesAtOnce + 7;
    const allocation = normalize([{ at: t, count: 1 }, { at: t + 60, count: 0 }]);
    await server.context.store.transaction(async (tx) => {
      const workspace = (await tx.workspaces.findByName(account.accountId, 'default'))!;
      const pools = Array.from({ length: poolCount }, (_, index) => ({ id: newId(server.context, 'pool'), accountId: account.accountId, workspaceId: workspace.id, name: `at-once-${index}`, kind: 'market' as const, tags: {}, createdAt: t }));
      for (const pool of pools) await tx.pools.insert(pool);
      await tx.instances.insertMany(
        pools.map((pool, index) => ({ id: newId(server.context, 'instance'), accountId: account.accountId, workspaceId: workspace.id, name: `at-once-${index}`, poolId: pool.id, instanceSkuId: sku, imageId: image, deploymentId: null, cloudInitUserData: null, tags: {}, priority: 'normal' as const, status: 'awaiting_allocation' as const, enablePublicIpv4: false, firewall: null, infiniband: false, createdAt: t, updatedAt: t, startedAt: null, endedAt: null })),
      );
      for (const pool of pools) await moveAllocation(server.context, tx, { kind: 'issuance', instanceSkuId: sku, fromPoolId: null, toPoolId: pool.id, delta: allocation, referenceId: null }, t);
    });
    const running = async () => (await server.context.store.read((tx) => tx.instances.runningCounts())).reduce((sum, group) => sum + group.running, 0);
    expect(await running()).toBe(poolCount);
    await server.advance(120);
    expect(await running()).toBe(0);
    expect(server.clock.now()).toBe(t + 120);
    expect(await server.audit()).toEqual([]);
  });
});

describe.runIf(testDialects.includes('postgres'))('leadership on postgres', () => {
  it('lets one process of several lead, and another take over when it goes', async () => {
    const schema = `allot_leader_${process.pid}`;
    const stores = await Promise.all([0, 1, 2].map(() => openStore(postgresUrl!, 0, { schema })));
    try {
      const first = await Promise.all(stores.map((store) => store.isLeader()));
      expect(first.filter(Boolean)).toHaveLength(1);
      const leader = first.indexOf(true);
      expect(await stores[leader]!.isLeader()).toBe(true);
      await stores[leader]!.close();
      const rest = stores.filter((_, index) => index !== leader);
      // The server frees the lock when the closed session's backend has gone, a moment after
      // the close: the others ask again, as the engine does, until one leads.
      let second: boolean[] = [];
      for (let attempt = 0; attempt < 50 && !second.some(Boolean); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        second = await Promise.all(rest.map((store) => store.isLeader()));
      }
      expect(second.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
      const { dropSchema } = await import('../support/stores.js');
      await dropSchema(schema);
    }
  });
});

// A real outage, not a store made to fail: the store connects through a TCP proxy that resets
// every connection, as a stopped server's clients see. PostgreSQL only: SQLite is a file in the
// process, which cannot go away (its adapter never says unavailable).
describe.runIf(testDialects.includes('postgres'))('the engine while the database is away, on postgres', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  /** A connection of its own, past the proxy: what the store holds while the engine's cannot read it. */
  let direct: pg.Client;
  beforeAll(async () => {
    proxy = await startTcpProxy(postgresUrl!);
    server = await startTestServer('postgres', { postgresUrl: proxy.url });
    direct = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${server.testStore.schema}` });
    await direct.connect();
  });
  afterAll(async () => {
    proxy.restore();
    await direct.end();
    await server.close();
    await proxy.close();
  });

  /** A running instance on allocation that ended at `t + 60`, with the clock past it and nothing done yet. */
  async function instanceOnEndedAllocation(name: string): Promise<{ instanceId: string; at: number }> {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id;
    // The next whole minute: schedules change on minutes only.
    const t = Math.floor(server.clock.now() / 60) * 60 + 60;
    server.clock.set(t);
    await server.issue(pool, sku, [{ start_at: t, end_at: t + 60, node_count: 1 }]);
    const instance = await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku });
    expect(instance.body.status).toBe('running');
    server.clock.set(t + 90);
    return { instanceId: instance.body.id, at: t + 90 };
  }
  const statusOf = async (instanceId: string) => (await direct.query<{ status: string }>('SELECT status FROM instances WHERE id = $1', [instanceId])).rows[0]!.status;

  it('pauses once however many ticks fail, does nothing meanwhile, and resumes with the boundary that fell due', async () => {
    const { instanceId, at } = await instanceOnEndedAllocation('outage-pool');
    // Ticks counted as they ask for leadership, the first thing each does.
    let leaderAsks = 0;
    const store = server.context.store;
    const counted = new Proxy(store, {
      get(target, key) {
        if (key === 'isLeader') return () => (leaderAsks++, target.isLeader());
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    proxy.cut();
    const log = recordingLog();
    const engine = new Engine({ ...server.context, store: counted }, log);
    engine.start();
    try {
      await eventually(async () => engine.paused, 'the engine paused');
      const asksAtPause = leaderAsks;
      // Several more ticks fail while it is paused: each waits twice as long as the last, from enginePausedRetryMsMin, and none is logged.
      await eventually(async () => leaderAsks >= asksAtPause + 3, 'three more ticks while paused');
      expect(engine.paused).toBe(true);
      expect(await statusOf(instanceId)).toBe('running');
      expect(log.lines).toEqual([{ level: 'warn', fields: { reason: expect.stringMatching(/^The database is unavailable: /) }, message: expect.stringMatching(/^engine paused: /) }]);

      proxy.restore();
      await eventually(async () => (await statusOf(instanceId)) === 'terminated', 'the instance ended once the database returned');
      // The tick that ended it resumes the engine as it returns.
      await eventually(async () => !engine.paused, 'the engine resumed');
      expect(log.lines).toEqual([
        { level: 'warn', fields: { reason: expect.any(String) }, message: expect.stringMatching(/^engine paused: /) },
        { level: 'warn', fields: { pausedMs: expect.any(Number) }, message: expect.stringMatching(/^engine resumed: /) },
      ]);
      const ended = (await direct.query<{ updated_at: number }>('SELECT updated_at FROM instances WHERE id = $1', [instanceId])).rows[0]!;
      // Processed at the present, as any late boundary is (the manual clock has stood since it was set past the boundary).
      expect(Number(ended.updated_at)).toBe(at);
    } finally {
      await engine.stop();
    }
    expect(await server.audit()).toEqual([]);
  });

  it('logs any other failure of a tick as an error, every time, and does not pause for it', async () => {
    const { instanceId } = await instanceOnEndedAllocation('broken-pool');
    // A real failure that is not an outage: the table due boundaries are read from is gone.
    await direct.query('ALTER TABLE allocation_balances RENAME TO allocation_balances_away');
    const log = recordingLog();
    const engine = new Engine(server.context, log);
    engine.start();
    try {
      await eventually(async () => log.lines.length >= 2, 'two failed ticks', 60_000);
      expect(engine.paused).toBe(false);
      expect(await statusOf(instanceId)).toBe('running');
      await direct.query('ALTER TABLE allocation_balances_away RENAME TO allocation_balances');
      await eventually(async () => (await statusOf(instanceId)) === 'terminated', 'the instance ended once the table was back', 60_000);
    } finally {
      await engine.stop();
    }
    expect(log.lines.length).toBeGreaterThanOrEqual(2);
    for (const line of log.lines) {
      expect(line.level).toBe('error');
      expect(line.message).toBe('engine: a tick failed');
      expect(String(line.fields.err)).toMatch(/allocation_balances/);
    }
    expect(await server.audit()).toEqual([]);
  }, 90_000);
});
