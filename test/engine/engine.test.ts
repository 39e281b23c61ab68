// The engine under a moving clock: when time passes a schedule boundary without an advance, the
// engine notices and reconciles; and processes sharing PostgreSQL elect one leader.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { postgresUrl, testDialects } from '../support/stores.js';
import { boundaryBatchesAtOnce, boundaryBatchSize } from '../../src/domain/kernel/limits.js';
import { moveAllocation } from '../../src/app/allocation/ledger.js';
import { newId } from '../../src/app/kernel/context.js';
import { normalize } from '../../src/domain/kernel/schedule.js';

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
    const errors: unknown[] = [];
    const engine = new Engine(server.context, (error) => errors.push(error));
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
    expect(errors).toEqual([]);
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
