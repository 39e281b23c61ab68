// Limits of domain/kernel/limits.ts that show through the API, each at the limit and one past it:
// matching reads the book in rounds (`bookRoundOrdersFirst` resting orders first), and the book's
// views clamp their depth and page size.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookRoundOrdersFirst, orderbookDepthDefault, orderbookDepthMax, orderbookPageSizeDefault, orderbookPageSizeMax } from '../../src/domain/kernel/limits.js';
import { clampCount } from '../../src/domain/market/orderbook.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe('clamped counts of the book\'s views', () => {
  it('takes a depth and a page size up to their maximum, and clamps one past it', () => {
    expect(clampCount(undefined, orderbookDepthDefault, orderbookDepthMax)).toBe(20);
    expect(clampCount(orderbookDepthMax, orderbookDepthDefault, orderbookDepthMax)).toBe(100);
    expect(clampCount(orderbookDepthMax + 1, orderbookDepthDefault, orderbookDepthMax)).toBe(100);
    expect(clampCount(undefined, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(50);
    expect(clampCount(orderbookPageSizeMax, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(200);
    expect(clampCount(orderbookPageSizeMax + 1, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(200);
    expect(clampCount(0, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(1);
  });
});

describe.each(testDialects)('matching across rounds of the book on %s', (dialect) => {
  let server: TestServer;
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    sku = await server.newInstanceSku('rounds-sku');
  });
  afterAll(() => server.close());

  // One seller with an originating pool, offering `count` asks of one node each at rising prices.
  async function asks(count: number, start: number) {
    const seller = await server.newAccount();
    const supply = (await server.operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id as string;
    await server.issue(supply, sku, [{ start_at: start, end_at: start + 3600, node_count: count }]);
    for (let index = 0; index < count; index++) {
      const placed = await seller.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: `${1 + index}.000000`, allow_standing: true });
      expect(placed.body.status).toBe('standing');
    }
  }

  it.each([bookRoundOrdersFirst, bookRoundOrdersFirst + 1])('fills a buy that needs %i resting asks, all of them', async (count) => {
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600 + (count - bookRoundOrdersFirst + 1) * 86_400;
    await asks(count, start);
    const buyer = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: 10_000 })).status).toBe(201);
    const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'mine' })).body.id as string;
    const bought = await buyer.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: count }], limit_price_dollars_per_node_hour: '100.000000' });
    expect(bought.status).toBe(201);
    expect(bought.body.status).toBe('filled');
    expect((await server.audit())).toEqual([]);
  });
});
