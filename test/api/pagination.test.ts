// Pagination over HTTP, on every kind of paginated list: walking forward with `starting_after`
// and then back with `ending_before` passes through the same pages, because `ending_before` set
// to a page's cursor returns the page before it (the items just before it, in the list's order).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const hour = 3600;
const image = 'ubuntu-24.04-cuda-12.8';

interface Page {
  readonly ids: string[];
  readonly cursor: string | null;
  readonly hasMore: boolean;
}

/** Walks a list forward to its end, then back from its last page with a cursor, comparing pages. */
async function walkBothWays(client: ApiClient, path: string, limit: number, expectedIds: readonly string[]): Promise<void> {
  const separator = path.includes('?') ? '&' : '?';
  const read = async (query: string): Promise<Page> => {
    const response = await client.get(`${path}${separator}limit=${limit}${query}`);
    expect(response.status, `${path} ${query}: ${JSON.stringify(response.body)}`).toBe(200);
    return { ids: response.body.data.map((item: { id: string }) => item.id), cursor: response.body.cursor, hasMore: response.body.has_more };
  };
  const forward: Page[] = [await read('')];
  while (forward.at(-1)!.cursor !== null) forward.push(await read(`&starting_after=${forward.at(-1)!.cursor}`));
  expect(forward.flatMap((page) => page.ids), path).toEqual(expectedIds);
  expect(forward.length, path).toBeGreaterThan(2);

  for (const [index, page] of forward.entries()) {
    if (page.cursor === null) continue;
    const previous = await read(`&ending_before=${page.cursor}`);
    expect(previous.ids, `${path}: the page before page ${index}`).toEqual(index === 0 ? [] : forward[index - 1]!.ids);
    expect(previous.hasMore).toBe(index > 1);
  }
  const back: string[][] = [];
  let cursor = forward.at(-2)!.cursor;
  while (cursor !== null) {
    const page = await read(`&ending_before=${cursor}`);
    back.push(page.ids);
    cursor = page.cursor;
  }
  expect(back, path).toEqual(forward.slice(0, -2).map((page) => page.ids).reverse());
}

describe.each(testDialects)('pagination on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku();
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1000 })).status).toBe(201);
  });
  afterAll(() => server.close());

  it('pages pools, instances and pool transfers both ways', async () => {
    const pools: string[] = [];
    for (let index = 0; index < 7; index++) pools.push((await account.post('/preview/v2/pools', { workspace: 'default', name: `pool-${index}` })).body.id);
    await walkBothWays(account, '/preview/v2/pools', 2, [...pools].reverse());
    await walkBothWays(account, '/preview/v2/pools', 3, [...pools].reverse());

    const instances: string[] = [];
    for (let index = 0; index < 7; index++) {
      const created = await account.post('/preview/v2/instances', { pool: pools[0], image, instance_sku: sku, name: `vm-${index}` });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      instances.push(created.body.id);
    }
    await walkBothWays(account, '/preview/v2/instances', 2, [...instances].reverse());

    const t = server.clock.now();
    const start = t - (t % 60) + hour;
    await server.issue(pools[1]!, sku, [{ start_at: start, end_at: start + 10 * hour, node_count: 1 }]);
    const transfers: string[] = [];
    for (let index = 0; index < 5; index++) {
      const moved = await account.post('/preview/v2/pool_transfers', {
        from_pool: pools[1], to_pool: pools[2], instance_sku: sku,
        allocation_schedule_delta: [{ start_at: start + index * hour, end_at: start + (index + 1) * hour, node_count: 1 }],
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(202);
      transfers.push(moved.body.id);
    }
    await walkBothWays(account, '/preview/v2/pool_transfers', 2, [...transfers].reverse());
  });

  it('pages orders both ways, newest first and by start time', async () => {
    const seller = await server.newAccount();
    const supply = (await server.operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id;
    const t = server.clock.now();
    const start = t - (t % hour) + hour;
    await server.issue(supply, sku, [{ start_at: start, end_at: start + 7 * hour, node_count: 1 }]);
    // Placed latest hour first, so that by start time the list runs the other way round.
    const orders: string[] = [];
    for (let index = 6; index >= 0; index--) {
      const placed = await seller.post('/preview/v2/orders', {
        pool: supply, side: 'sell', instance_sku: sku, limit_price_dollars_per_node_hour: '30.00', allow_standing: true,
        allocation_schedule_delta: [{ start_at: start + index * hour, end_at: start + (index + 1) * hour, node_count: 1 }],
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      orders.push(placed.body.id);
    }
    await walkBothWays(seller, '/preview/v2/orders', 2, [...orders].reverse());
    await walkBothWays(seller, '/preview/v2/orders?sort_by=-created_at', 3, [...orders].reverse());
    await walkBothWays(seller, '/preview/v2/orders?sort_by=start_at', 2, [...orders].reverse());
    await walkBothWays(seller, '/preview/v2/orders?sort_by=-start_at', 2, orders);
  });
});
