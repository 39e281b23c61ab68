// The order book and order previews over HTTP: windows, quotes, depth and fills filtered by
// requirements, anonymous; previews that quote the cheapest SKU with a ready-to-post body that
// fills at the quoted price, or say why nothing is available.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, testFeePolicy, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Account = ApiClient & { accountId: string };
const hour = 3600;

describe.each(testDialects)('order book on %s', (dialect) => {
  let server: TestServer;
  let richmond: string;
  let hayes: string;
  let provider: Account;
  let supply: string;
  let trader: Account;
  let traderPool: string;
  let start: number;

  function order(account: ApiClient, pool: string, side: 'buy' | 'sell', sku: string, from: number, to: number, nodes: number, price: string, standing = true) {
    return account.post('/preview/v2/orders', { pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: from, end_at: to, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: standing, allow_partial: true });
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
    richmond = await server.newInstanceSku('book-h100-richmond', { availability_zone: 'richmond', accelerator: 'h100' });
    hayes = await server.newInstanceSku('book-h200-hayes', { availability_zone: 'hayesvalley', accelerator: 'h200' });
    provider = await server.newAccount('Book provider');
    supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id;
    start = server.clock.now() + hour;
    for (const sku of [richmond, hayes]) await server.issue(supply, sku, [{ start_at: start, end_at: start + 4 * hour, node_count: 10 }]);
    // Asks: richmond 4 @ $15 and 2 @ $16.20 for the first two hours, 3 @ $15 for the next two; hayes 5 @ $24.
    await order(provider, supply, 'sell', richmond, start, start + 2 * hour, 4, '15.00');
    await order(provider, supply, 'sell', richmond, start, start + 2 * hour, 2, '16.20');
    await order(provider, supply, 'sell', richmond, start + 2 * hour, start + 4 * hour, 3, '15.00');
    await order(provider, supply, 'sell', hayes, start, start + 2 * hour, 5, '24.00');
    trader = await server.newAccount('Book trader');
    await server.operator.post(`/admin/v1/accounts/${trader.accountId}/credits`, { amount_dollars: 5000 });
    traderPool = (await trader.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id;
    // Bids: 1 @ $12 and 2 @ $12 on richmond (one level), 1 @ $10.20.
    await order(trader, traderPool, 'buy', richmond, start, start + 2 * hour, 1, '12.00');
    await order(trader, traderPool, 'buy', richmond, start, start + 2 * hour, 2, '12.00');
    await order(trader, traderPool, 'buy', richmond, start, start + 2 * hour, 1, '10.20');
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  const flat = (from: number, to: number, nodes: number) => [{ start_at: from, end_at: to, node_count: nodes }, { start_at: to, end_at: null, node_count: 0 }];

  it('quotes the best bid and ask of a window, and lists depth by price level', async () => {
    const window = `start_at=${start}&end_at=${start + 2 * hour}`;
    const quote = await trader.get(`/preview/v2/orderbook/quote?requirements=accelerator:h100&${window}`);
    expect(quote.status).toBe(200);
    expect(quote.body).toEqual({
      requirements: { accelerator: ['h100'] },
      start_at: start,
      end_at: start + 2 * hour,
      requested_at: server.clock.now(),
      best_bid: { instance_sku: richmond, dollars_per_node_hour: '12.000000', allocation_schedule_delta: flat(start, start + 2 * hour, 3) },
      best_ask: { instance_sku: richmond, dollars_per_node_hour: '15.000000', allocation_schedule_delta: flat(start, start + 2 * hour, 4) },
    });

    const depth = await trader.get(`/preview/v2/orderbook/depth?${window}`);
    expect(depth.body.bids.map((level: any) => [level.instance_sku, level.dollars_per_node_hour])).toEqual([[richmond, '12.000000'], [richmond, '10.200000']]);
    expect(depth.body.asks.map((level: any) => [level.instance_sku, level.dollars_per_node_hour, level.allocation_schedule_delta[0].node_count])).toEqual([
      [richmond, '15.000000', 4],
      [richmond, '16.200000', 2],
      [hayes, '24.000000', 5],
    ]);
    expect(depth.body.requirements).toEqual({});
    const shallow = await trader.get(`/preview/v2/orderbook/depth?${window}&depth=1`);
    expect([shallow.body.bids.length, shallow.body.asks.length]).toEqual([1, 1]);
    expect((await trader.get(`/preview/v2/orderbook/depth?${window}&depth=1000`)).body.asks).toHaveLength(3);

    // A window across the hour where the richmond asks change shows both, clipped to it.
    const across = await trader.get(`/preview/v2/orderbook/depth?requirements=zone:richmond&start_at=${start + hour}&end_at=${start + 3 * hour}`);
    expect(across.body.asks[0]).toMatchObject({
      dollars_per_node_hour: '15.000000',
      allocation_schedule_delta: [
        { start_at: start + hour, end_at: start + 2 * hour, node_count: 4 },
        { start_at: start + 2 * hour, end_at: start + 3 * hour, node_count: 3 },
        { start_at: start + 3 * hour, end_at: null, node_count: 0 },
      ],
    });
    const none = await trader.get(`/preview/v2/orderbook/quote?requirements=accelerator:b200&${window}`);
    expect(none.body).toMatchObject({ best_bid: null, best_ask: null });
  });

  it('lists the windows with resting orders, paged by key', async () => {
    const range = `range_start_at=${start - hour}&range_end_at=${start + 5 * hour}`;
    const windows = await trader.get(`/preview/v2/orderbook/windows?${range}`);
    expect(windows.status).toBe(200);
    expect(windows.body.data.map((window: any) => [window.instance_sku, window.start_at - start, window.end_at - start, window.total_bid_order_count, window.total_ask_order_count])).toEqual(
      [
        [richmond, 0, 2 * hour, 3, 2],
        [hayes, 0, 2 * hour, 0, 1],
        [richmond, 2 * hour, 4 * hour, 0, 1],
      ].sort((a, b) => (a[1] as number) - (b[1] as number) || (a[0]! < b[0]! ? -1 : 1)),
    );
    const first = windows.body.data.find((window: any) => window.instance_sku === richmond && window.start_at === start);
    expect(first).toMatchObject({ duration_hours: 2, best_bid: { dollars_per_node_hour: '12.000000' }, best_ask: { dollars_per_node_hour: '15.000000' } });
    const page = await trader.get(`/preview/v2/orderbook/windows?${range}&limit=2`);
    expect(page.body).toMatchObject({ has_more: true, cursor: expect.stringMatching(/^mwin_/) });
    const rest = await trader.get(`/preview/v2/orderbook/windows?${range}&limit=2&starting_after=${page.body.cursor}`);
    expect([...page.body.data, ...rest.body.data]).toEqual(windows.body.data);
    expect(rest.body.has_more).toBe(false);
    expect((await trader.get(`/preview/v2/orderbook/windows?${range}&starting_after=poolc_1`)).status).toBe(422);
    expect((await trader.get(`/preview/v2/orderbook/windows?range_start_at=${start}&range_end_at=${start}`)).status).toBe(422);
  });

  it('previews a buy on the cheapest SKU that can fill it whole, with a body that fills at that price', async () => {
    const preview = await trader.post('/preview/v2/order_preview', { side: 'buy', requirements: {}, start_at: start, duration_seconds: 2 * hour, node_count: 5, pool: traderPool });
    expect(preview.status).toBe(200);
    // Richmond fills 5 at $15 and $16.20 ($156.60); Hayes at $24 would cost $240.
    expect(preview.body).toEqual({
      type: 'quoted',
      post_order_body: {
        pool: traderPool,
        side: 'buy',
        instance_sku: richmond,
        allocation_schedule_delta: [{ start_at: start, end_at: start + 2 * hour, node_count: 5 }],
        limit_price_dollars_per_node_hour: '16.200000',
        allow_standing: false,
        allow_partial: false,
      },
      fee: { flat_dollars_per_node_hour: '0.100000', percentage_bps: testFeePolicy.basisPoints },
      notices: [],
    });
    const withoutPool = await trader.post('/preview/v2/order_preview', { side: 'buy', requirements: { accelerator: ['H200'] }, start_at: start, duration_seconds: hour, node_count: 5 });
    expect(withoutPool.body.post_order_body).toMatchObject({ pool: 'pool_REPLACE_ME', instance_sku: hayes, limit_price_dollars_per_node_hour: '24.000000' });

    const unavailable = await trader.post('/preview/v2/order_preview', { side: 'buy', requirements: { accelerator: ['h100'] }, start_at: start, duration_seconds: 2 * hour, node_count: 7 });
    expect(unavailable.body).toEqual({ type: 'unavailable', reason: 'no_availability', fee: { flat_dollars_per_node_hour: '0.100000', percentage_bps: 200 }, notices: [] });
    const noSku = await trader.post('/preview/v2/order_preview', { side: 'buy', requirements: { accelerator: ['b200'] }, start_at: start, duration_seconds: hour, node_count: 1 });
    expect(noSku.body).toEqual({ type: 'unavailable', reason: 'no_matching_instance_skus', fee: null, notices: [] });

    // Posting the body fills at the quoted prices.
    const posted = await trader.post('/preview/v2/orders', preview.body.post_order_body);
    expect(posted.body).toMatchObject({ status: 'filled', filled_average_price_dollars_per_node_hour: '15.240000' });
  });

  it('previews a sell into the best bids', async () => {
    const owner = await server.newAccount();
    const pool = (await owner.post('/preview/v2/pools', { workspace: 'default', name: 'holding' })).body.id;
    await server.issue(pool, richmond, [{ start_at: start, end_at: start + 2 * hour, node_count: 4 }]);
    const preview = await owner.post('/preview/v2/order_preview', { side: 'sell', requirements: { zone: ['richmond'] }, start_at: start, duration_seconds: 2 * hour, node_count: 4, pool });
    expect(preview.body).toMatchObject({ type: 'quoted', post_order_body: { side: 'sell', instance_sku: richmond, limit_price_dollars_per_node_hour: '10.200000' } });
    // A trader's own bids are not there for its own pool to sell into.
    const own = await trader.post('/preview/v2/order_preview', { side: 'sell', requirements: { zone: ['richmond'] }, start_at: start, duration_seconds: 2 * hour, node_count: 1, pool: traderPool });
    expect(own.body).toMatchObject({ type: 'unavailable', reason: 'no_availability' });
  });

  it('lists fills anonymously, newest first, within a window and since a time', async () => {
    const window = `start_at=${start}&end_at=${start + 4 * hour}`;
    const fills = await trader.get(`/preview/v2/orderbook/fills?requirements=accelerator:h100&${window}`);
    expect(fills.status).toBe(200);
    expect(fills.body.data.map((fill: any) => fill.dollars_per_node_hour)).toEqual(['16.200000', '15.000000']);
    expect(fills.body.data[0]).toEqual({ instance_sku: richmond, dollars_per_node_hour: '16.200000', allocation_schedule_delta: flat(start, start + 2 * hour, 1), filled_at: server.clock.now() });
    const page = await trader.get(`/preview/v2/orderbook/fills?${window}&limit=1`);
    expect(page.body).toMatchObject({ has_more: true, cursor: expect.stringMatching(/^mfilc_/) });
    expect((await trader.get(`/preview/v2/orderbook/fills?${window}&limit=1&starting_after=${page.body.cursor}`)).body.data[0].dollars_per_node_hour).toBe('15.000000');
    expect((await trader.get(`/preview/v2/orderbook/fills?${window}&since_at=${server.clock.now() + 60}`)).body.data).toEqual([]);
    expect((await trader.get(`/preview/v2/orderbook/fills?${window}&since_at=${server.clock.now() - 31 * 86_400}`)).status).toBe(422);
    expect((await trader.get(`/preview/v2/orderbook/fills?requirements=accelerator:h200&${window}`)).body.data).toEqual([]);
  });

  it('refuses malformed requirements and windows', async () => {
    const window = `start_at=${start}&end_at=${start + hour}`;
    for (const query of [`requirements=color:red&${window}`, `requirements=accelerator&${window}`, `start_at=${start + 30}&end_at=${start + hour}`, `start_at=${start}&end_at=${start - 60}`, `start_at=${start}`]) {
      const response = await trader.get(`/preview/v2/orderbook/quote?${query}`);
      expect(response.status, query).toBe(422);
      expect(response.body.error.type).toBe('unprocessable_entity');
    }
    const base = { side: 'buy', requirements: {}, start_at: start, duration_seconds: hour, node_count: 1 };
    for (const change of [{ duration_seconds: 90 }, { duration_seconds: 0 }, { node_count: 0 }, { start_at: start + 1 }, { requirements: { color: ['red'] } }, { start_at: start - 10 * hour }]) {
      expect((await trader.post('/preview/v2/order_preview', { ...base, ...change })).status, JSON.stringify(change)).toBe(422);
    }
    expect((await trader.post('/preview/v2/order_preview', { ...base, pool: 'pool_missing' })).status).toBe(422);
  });
});
