// Fills whose buyers and sellers cross: four accounts each sell on two SKUs and buy on both, 96
// buys at a time across two processes (PostgreSQL) or one (SQLite), so that a buy holding its
// buyer's money wants a seller's that another buy, holding that seller's as its buyer's, has.
// Such a lock comes out of key order and waits at most `moneyLockOutOfOrderWaitMs` before being
// retried (store/repositories/market/money.ts), so PostgreSQL detects no deadlock (it did, dozens
// a run, each after `deadlock_timeout`), no answer is a 5xx, and the ledgers stay sound.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { testDialects } from '../support/stores.js';
import { nextMinute, type RaceCluster, startRaceCluster } from './cluster.js';

const accountCount = 4;
const buysPerRound = 96;
const rounds = 5;

describe.each(testDialects)('fills whose buyers and sellers cross (%s)', (dialect) => {
  let cluster: RaceCluster;
  beforeAll(async () => {
    cluster = await startRaceCluster(dialect, [], { ownDatabase: true });
  }, 60_000);
  afterAll(() => cluster?.close());

  it('take money locks out of key order without deadlocking', async () => {
    const start = nextMinute() + 3600;
    const end = start + 3600;
    const skus = [await cluster.newInstanceSku('crossed-a'), await cluster.newInstanceSku('crossed-b')];
    const accounts: { clients: ApiClient[]; supply: string; compute: string }[] = [];
    for (let index = 0; index < accountCount; index++) {
      const clients = await cluster.newAccount(`Crossed ${index}`);
      await cluster.operator.post(`/admin/v1/accounts/${clients.accountId}/credits`, { amount_dollars: 100_000 });
      const supply = (await cluster.operator.post('/admin/v1/pools', { account: clients.accountId, name: 'supply', kind: 'originating' })).body.id;
      for (const sku of skus) await cluster.operator.post('/admin/v1/allocations', { pool: supply, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: end, node_count: 10_000 }] });
      const compute = (await clients[0]!.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id;
      accounts.push({ clients, supply, compute });
    }
    const deadlocksBefore = await cluster.deadlocks();
    const delta = (nodeCount: number) => [{ start_at: start, end_at: end, node_count: nodeCount }];
    for (let round = 0; round < rounds; round++) {
      // Every account rests sells on both SKUs, then every account buys on both.
      const sells = Array.from({ length: accountCount * skus.length * 2 }, (_, index) => {
        const account = accounts[index % accountCount]!;
        return account.clients[index % cluster.processes.length]!.post('/preview/v2/orders', { pool: account.supply, side: 'sell', instance_sku: skus[(index >> 2) % skus.length], allocation_schedule_delta: delta(10), limit_price_dollars_per_node_hour: '1.00', allow_standing: true, allow_partial: true });
      });
      expect((await Promise.all(sells)).filter((sell) => sell.status !== 201).map((sell) => sell.body)).toEqual([]);
      const buys: Promise<ApiResponse>[] = Array.from({ length: buysPerRound }, (_, index) => {
        const account = accounts[index % accountCount]!;
        return account.clients[index % cluster.processes.length]!.post('/preview/v2/orders', { pool: account.compute, side: 'buy', instance_sku: skus[(index >> 1) % skus.length], allocation_schedule_delta: delta(1), limit_price_dollars_per_node_hour: '2.00', allow_partial: true });
      });
      const answers = await Promise.all(buys);
      expect(answers.filter((buy) => buy.status !== 201).map((buy) => [buy.status, buy.body])).toEqual([]);
      expect(answers.filter((buy) => buy.body.status !== 'filled').length).toBe(0);
      expect(await cluster.audit()).toEqual([]);
    }
    if (deadlocksBefore !== null) expect((await cluster.deadlocks())! - deadlocksBefore).toBe(0);
  }, 180_000);
});
