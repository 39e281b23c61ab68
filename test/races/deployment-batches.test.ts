// A deployment's large change goes a batch per transaction: the request that sets a target of
// 10,000 creates at most `deploymentInstancesPerTransaction` instances in its own transaction and
// answers; the engine (here the manual clock's advance) creates the rest, a batch per
// transaction, and scaling down ends them likewise. Every transaction is watched: none creates,
// starts or ends more than the batch. Running instances never exceed the allocation (the audit).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentInstancesPerTransaction } from '../../src/domain/kernel/limits.js';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { type Counted, countingStore, largest } from './deployment-transactions.js';

describe.each(testDialects)('a deployment of thousands of instances, a batch per transaction (%s)', (dialect) => {
  const transactions: Counted[] = [];
  let server: TestServer;
  let account: ApiClient;
  beforeAll(async () => {
    server = await startTestServer(dialect, { wrapStore: (store) => countingStore(store, transactions) });
    account = await server.newAccount();
  }, 60_000);
  afterAll(() => server?.close());

  function expectBounded(): void {
    const most = largest(transactions);
    expect(most.inserted).toBeLessThanOrEqual(deploymentInstancesPerTransaction);
    expect(most.started).toBeLessThanOrEqual(deploymentInstancesPerTransaction);
    expect(most.ended).toBeLessThanOrEqual(deploymentInstancesPerTransaction);
  }

  it('converges through the engine, every transaction bounded, running never beyond allocation', async () => {
    // The issue's 10,000 on both stores: a batch's instances are inserted a few statements for the lot.
    const target = 10_000;
    const allocation = (target * 3) / 5;
    const sku = await server.newInstanceSku('wide');
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'wide' })).body.id as string;
    // Allocation for three fifths: the rest wait for it.
    await server.issue(pool, sku, [{ start_at: testEpoch, end_at: null, node_count: allocation }]);
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'wide' })).body.id as string;
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 10 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    transactions.length = 0;
    const patched = await account.patch(`/preview/v2/deployments/${id}`, { target_instance_count: target });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    // The request answers with the target it set and what it has done so far; the rest is on its way.
    expect(patched.body.target_instance_count).toBe(target);
    expect(patched.body.status).toEqual({ state: 'info', message: `${10 + deploymentInstancesPerTransaction} of ${target} instance(s) running; 0 awaiting allocation on the pool; ${target - 10 - deploymentInstancesPerTransaction} more being created.` });
    expectBounded();

    await server.advance(60);
    const converged = await account.get(`/preview/v2/deployments/${id}`);
    expect(converged.body.status).toEqual({ state: 'warning', message: `${allocation} of ${target} instance(s) running; ${target - allocation} awaiting allocation on the pool.` });
    expectBounded();
    // It took as many transactions as batches, give or take the request's own.
    expect(transactions.filter((counted) => counted.inserted > 0).length).toBe(Math.ceil((target - 10) / deploymentInstancesPerTransaction));
    expect(await server.audit()).toEqual([]);

    // Down to 0: the surplus ends a batch per transaction too.
    transactions.length = 0;
    const down = await account.patch(`/preview/v2/deployments/${id}`, { target_instance_count: 0 });
    expect(down.status).toBe(200);
    expectBounded();
    await server.advance(60);
    expectBounded();
    const ended = await account.get(`/preview/v2/deployments/${id}`);
    expect(ended.body.status).toEqual({ state: 'info', message: 'All 0 instance(s) running.' });
    expect((await account.get(`/preview/v2/instances?pool=${pool}&status=running&status=awaiting_allocation&limit=1`)).body.data).toEqual([]);
    expect(transactions.filter((counted) => counted.ended.length > 0).length).toBe(target / deploymentInstancesPerTransaction);
    expect(await server.audit()).toEqual([]);
  }, 600_000);
});
