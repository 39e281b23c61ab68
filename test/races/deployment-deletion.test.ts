// Deleting a deployment of thousands of instances goes a batch per transaction: the request
// deletes the deployment (it answers 404 from then on) and ends its first
// `deploymentInstancesPerTransaction` instances in its own transaction; the engine (here the
// manual clock's advance) ends the rest, a batch per transaction. Between two of its batches the
// test holds the engine and reads: requests are answered, and what they see is consistent — the
// audit is clean, the deployment is gone, its instances not yet ended are as they were, and none
// of its awaiting ones starts, even when allocation frees up. At the end every one is terminated.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentInstancesPerTransaction } from '../../src/domain/kernel/limits.js';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { type Counted, countingStore, largest } from './deployment-transactions.js';

describe.each(testDialects)('deleting a deployment of thousands of instances, a batch per transaction (%s)', (dialect) => {
  const transactions: Counted[] = [];
  /** The deleted deployment's instances; a committed transaction that ends any of them is held while `holding`. */
  const ofDeleted = new Set<string>();
  let holding = false;
  const held: (() => void)[] = [];
  let onHeld: (() => void) | null = null;
  let server: TestServer;
  let account: ApiClient;
  beforeAll(async () => {
    server = await startTestServer(dialect, {
      wrapStore: (store) =>
        countingStore(store, transactions, async (counted) => {
          if (!holding || !counted.ended.some((id) => ofDeleted.has(id))) return;
          await new Promise<void>((release) => {
            held.push(release);
            onHeld?.();
          });
        }),
    });
    account = await server.newAccount();
  }, 60_000);
  afterAll(() => server?.close());

  /** The next batch the engine committed and is held after, or null when the advance ended first. */
  async function nextHeld(advancing: Promise<unknown>): Promise<(() => void) | null> {
    const release = new Promise<() => void>((resolve) => {
      const check = () => {
        const first = held.shift();
        if (first === undefined) onHeld = check;
        else resolve(first);
      };
      check();
    });
    return Promise.race([release, advancing.then(() => null)]);
  }

  async function liveOf(deploymentId: string) {
    return server.testStore.store.read((tx) => tx.instances.liveOfDeployment(deploymentId));
  }

  it('ends the instances through the engine, every transaction bounded, reads consistent in between', async () => {
    // 3,000 on SQLite; on PostgreSQL, where each instance costs a few round trips, 2,000 (four batches).
    const target = dialect === 'sqlite' ? 3_000 : 2_000;
    const allocation = (target * 3) / 5;
    const sku = await server.newInstanceSku('deleted-wide');
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'deleted-wide' })).body.id as string;
    await server.issue(pool, sku, [{ start_at: testEpoch, end_at: null, node_count: allocation }]);
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'deleted-wide' })).body.id as string;
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: target });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await server.advance(60);
    // Another deployment on the same allocation, all of it waiting: allocation the deletion frees goes to it.
    const other = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 20 });
    expect(other.status).toBe(201);
    const before = await liveOf(id);
    expect(before).toHaveLength(target);
    for (const instance of before) ofDeleted.add(instance.id);
    const awaitingOfDeleted = new Set(before.filter((instance) => instance.status === 'awaiting_allocation').map((instance) => instance.id));
    expect(awaitingOfDeleted.size).toBe(target - allocation);

    transactions.length = 0;
    const deleted = await account.delete(`/preview/v2/deployments/${id}`);
    expect(deleted.status).toBe(204);
    expect(largest(transactions).ended).toBeLessThanOrEqual(deploymentInstancesPerTransaction);

    /** What any reader sees while the deletion goes on. */
    async function expectConsistent(stillLive: number): Promise<void> {
      expect((await account.get(`/preview/v2/deployments/${id}`)).status).toBe(404);
      expect(((await account.get(`/preview/v2/deployments?pool=${pool}`)).body.data as { id: string }[]).map((deployment) => deployment.id)).toEqual([other.body.id]);
      expect(await server.audit()).toEqual([]);
      const live = await liveOf(id);
      expect(live).toHaveLength(stillLive);
      // Its instances not yet ended read as they were, still naming the deployment; ended ones read terminated.
      const ended = [...ofDeleted].find((instance) => !live.some((remaining) => remaining.id === instance));
      expect((await account.get(`/preview/v2/instances/${ended}`)).body.status).toBe('terminated');
      if (live.length > 0) {
        const remaining = (await account.get(`/preview/v2/instances/${live[0]!.id}`)).body;
        expect(remaining.status).toBe(live[0]!.status);
        expect(remaining.managed_by.id).toBe(id);
      }
      // None of its instances that waited has started since the deletion.
      expect(transactions.flatMap((counted) => counted.started).filter((started) => awaitingOfDeleted.has(started))).toEqual([]);
    }
    // Under the manual clock nothing goes on until it advances: the request did one batch.
    await expectConsistent(target - deploymentInstancesPerTransaction);
    // More allocation meanwhile starts the other deployment's instances, not the deleted one's waiting ones.
    await server.issue(pool, sku, [{ start_at: server.clock.now(), end_at: null, node_count: 10 }]);
    expect((await account.get(`/preview/v2/deployments/${other.body.id}`)).body.status.message).toMatch(/^10 of 20 instance\(s\) running/);
    await expectConsistent(target - deploymentInstancesPerTransaction);

    holding = true;
    const advancing = server.advance(60);
    let batches = 1;
    for (let release = await nextHeld(advancing); release !== null; release = await nextHeld(advancing)) {
      batches++;
      await expectConsistent(Math.max(0, target - batches * deploymentInstancesPerTransaction));
      release();
    }
    await advancing;
    holding = false;

    expect(batches).toBe(Math.ceil(target / deploymentInstancesPerTransaction));
    expect(largest(transactions).ended).toBeLessThanOrEqual(deploymentInstancesPerTransaction);
    expect(largest(transactions).started).toBeLessThanOrEqual(deploymentInstancesPerTransaction);
    await expectConsistent(0);
    const history = await server.testStore.store.read((tx) => tx.instances.historyOfPools([pool]));
    const deletedHistory = history.filter((instance) => instance.deploymentId === id);
    expect(deletedHistory).toHaveLength(target);
    expect(deletedHistory.every((instance) => instance.status === 'terminated')).toBe(true);
    // The allocation freed runs the other deployment's instances now.
    expect((await account.get(`/preview/v2/deployments/${other.body.id}`)).body.status).toEqual({ state: 'info', message: 'All 20 instance(s) running.' });
    expect(await server.audit()).toEqual([]);
  }, 600_000);
});
