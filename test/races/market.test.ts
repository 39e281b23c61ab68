// 64 requests at a time across two processes (PostgreSQL) or one (SQLite): sells, buys, transfers
// both ways between pools and deletions of pools, on two SKUs whose books and balances they share.
// Every request is answered, none with a 5xx, and the audit finds the ledgers sound after each
// round. Deadlocks and serialization failures are retried inside the store; the lock order in
// docs/architecture.md keeps them rare.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { testDialects } from '../support/stores.js';
import { nextMinute, type RaceCluster, startRaceCluster } from './cluster.js';

const concurrency = 64;
const rounds = 4;

describe.each(testDialects)('racing sells, buys, transfers and deletions (%s)', (dialect) => {
  let cluster: RaceCluster;
  beforeAll(async () => {
    cluster = await startRaceCluster(dialect);
  }, 60_000);
  afterAll(() => cluster?.close());

  it('answers every request without a 5xx and keeps the ledgers sound', async () => {
    const start = nextMinute() + 3600;
    const end = start + 3600;
    const skus = [await cluster.newInstanceSku('race-a'), await cluster.newInstanceSku('race-b')];
    // Two providers sell from originating pools; three buyers move what they bought between pools.
    const sellers: { clients: ApiClient[]; pool: string }[] = [];
    for (let index = 0; index < 2; index++) {
      const clients = await cluster.newAccount(`Seller ${index}`);
      const pool = (await cluster.operator.post('/admin/v1/pools', { account: clients.accountId, name: 'supply', kind: 'originating' })).body.id;
      for (const sku of skus) await cluster.operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: end, node_count: 400 }] });
      sellers.push({ clients, pool });
    }
    const buyers: { clients: ApiClient[]; pools: string[] }[] = [];
    for (let index = 0; index < 3; index++) {
      const clients = await cluster.newAccount(`Buyer ${index}`);
      await cluster.operator.post(`/admin/v1/accounts/${clients.accountId}/credits`, { amount_dollars: 100_000 });
      const pools: string[] = [];
      for (let pool = 0; pool < 2; pool++) pools.push((await clients[0]!.post('/preview/v2/pools', { workspace: 'default', name: `compute-${pool}` })).body.id);
      // The first pool holds enough that it is never empty, so its deletion is always refused.
      for (const sku of skus) await cluster.operator.post('/admin/v1/allocations', { pool: pools[0], instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: end, node_count: 200 }] });
      buyers.push({ clients, pools });
    }

    let spare = 0;
    for (let round = 0; round < rounds; round++) {
      const requests: Promise<ApiResponse & { what: string }>[] = [];
      for (let index = 0; index < concurrency; index++) {
        const process = index % cluster.processes.length;
        const sku = skus[index % skus.length]!;
        const delta = [{ start_at: start, end_at: end, node_count: 1 }];
        const kind = (index + round) % 4;
        const tag = (what: string) => (response: ApiResponse) => ({ ...response, what });
        if (kind === 0) {
          const seller = sellers[index % sellers.length]!;
          const price = (6 + (index % 5)) * 0.06;
          requests.push(
            seller.clients[process]!.post('/preview/v2/orders', { pool: seller.pool, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ ...delta[0]!, node_count: 2 }], limit_price_dollars_per_node_hour: price.toFixed(2), allow_standing: true, allow_partial: true }).then(tag('sell')),
          );
        } else if (kind === 1) {
          const buyer = buyers[index % buyers.length]!;
          requests.push(
            buyer.clients[process]!.post('/preview/v2/orders', { pool: buyer.pools[index % 2], side: 'buy', instance_sku: sku, allocation_schedule_delta: delta, limit_price_dollars_per_node_hour: '0.60', allow_partial: true }).then(tag('buy')),
          );
        } else if (kind === 2) {
          // Transfers both ways between a buyer's two pools: their balances are locked in key order.
          const buyer = buyers[index % buyers.length]!;
          const [from, to] = index % 8 < 4 ? buyer.pools : [buyer.pools[1]!, buyer.pools[0]!];
          requests.push(buyer.clients[process]!.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: delta }).then(tag('transfer')));
        } else {
          // A fresh, empty pool deleted at once, or one of the held pools, whose deletion is refused.
          const buyer = buyers[index % buyers.length]!;
          if (index % 8 === 3) {
            requests.push(buyer.clients[process]!.delete(`/preview/v2/pools/${buyer.pools[0]}`).then(tag('delete held')));
          } else {
            requests.push(
              buyer.clients[process]!.post('/preview/v2/pools', { workspace: 'default', name: `spare-${spare++}` }).then((created) =>
                buyer.clients[(process + 1) % buyer.clients.length]!.delete(`/preview/v2/pools/${created.body.id}`).then(tag('delete spare')),
              ),
            );
          }
        }
      }
      const responses = await Promise.all(requests);
      expect(responses.filter((response) => response.status >= 500).map((response) => [response.what, response.status, response.body])).toEqual([]);
      expect(responses.filter((response) => response.what === 'delete spare' && response.status !== 204).map((response) => response.body)).toEqual([]);
      expect(responses.filter((response) => response.what === 'delete held' && response.status !== 422).map((response) => response.body)).toEqual([]);
      expect(responses.filter((response) => (response.what === 'sell' || response.what === 'buy') && response.status !== 201).map((response) => [response.what, response.status, response.body])).toEqual([]);
      expect(await cluster.audit()).toEqual([]);
    }
    // Trading happened: buyers hold what they bought.
    const held = await buyers[0]!.clients[0]!.get(`/preview/v2/pools/${buyers[0]!.pools[0]}`);
    expect(Object.keys(held.body.allocation_schedule.by_instance_sku).length).toBeGreaterThan(0);
  }, 180_000);
});
