// A pool's deletion races transfers into it: the deletion checks that the pool holds nothing under
// the pool's lock, and every move of allocation takes the pools it touches before their balances,
// so either the transfers land first (and the deletion is refused) or the deletion does (and the
// transfers find no pool). No allocation is ever left in a deleted pool, and the audit says so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../support/client.js';
import { testDialects } from '../support/stores.js';
import { nextMinute, type RaceCluster, startRaceCluster } from './cluster.js';

describe.each(testDialects)('deleting pools while transfers move into them (%s)', (dialect) => {
  let cluster: RaceCluster;
  beforeAll(async () => {
    cluster = await startRaceCluster(dialect);
  }, 60_000);
  afterAll(() => cluster?.close());

  it('never leaves allocation in a deleted pool', async () => {
    const clients = await cluster.newAccount('Deleter');
    const sku = await cluster.newInstanceSku('deleted-race');
    const start = nextMinute();
    const source = (await clients[0]!.post('/preview/v2/pools', { workspace: 'default', name: 'source' })).body.id;
    await cluster.operator.post('/admin/v1/allocations', { pool: source, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: start + 3600, node_count: 10_000 }] });

    const transfersPerPool = 8;
    const pools = 6;
    for (let round = 0; round < 3; round++) {
      const destinations: string[] = [];
      for (let index = 0; index < pools; index++) {
        destinations.push((await clients[index % clients.length]!.post('/preview/v2/pools', { workspace: 'default', name: `into-${round}-${index}` })).body.id);
      }
      const requests: Promise<ApiResponse & { kind: string; pool: string }>[] = [];
      let turn = 0;
      for (const destination of destinations) {
        for (let index = 0; index < transfersPerPool; index++) {
          const client = clients[turn++ % clients.length]!;
          requests.push(
            client
              .post('/preview/v2/pool_transfers', {
                from_pool: source,
                to_pool: destination,
                instance_sku: sku,
                allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }],
              })
              .then((response) => ({ ...response, kind: 'transfer', pool: destination })),
          );
          // The deletion goes out among its pool's transfers.
          if (index === transfersPerPool / 2) {
            requests.push(clients[turn++ % clients.length]!.delete(`/preview/v2/pools/${destination}`).then((response) => ({ ...response, kind: 'delete', pool: destination })));
          }
        }
      }
      const responses = await Promise.all(requests);
      expect(responses.filter((response) => response.status >= 500).map((response) => [response.status, response.body])).toEqual([]);
      for (const destination of destinations) {
        const mine = responses.filter((response) => response.pool === destination);
        const deletion = mine.find((response) => response.kind === 'delete')!;
        const executed = mine.filter((response) => response.kind === 'transfer' && response.status === 202 && response.body.status === 'executed');
        if (deletion.status === 204) {
          // Deleted: no transfer into it may have executed, and the rest found no pool.
          expect(executed).toEqual([]);
          expect(mine.filter((response) => response.kind === 'transfer').every((response) => response.status === 404 && response.body.error.type === 'not_found')).toBe(true);
        } else {
          expect(deletion.status).toBe(422);
          expect(executed.length).toBeGreaterThan(0);
        }
      }
      expect(await cluster.audit()).toEqual([]);
    }
  }, 120_000);
});
