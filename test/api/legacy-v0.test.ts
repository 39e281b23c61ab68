// The older /v0 API the legacy `sf` CLI calls — contracts, quotes, procurements, VM replacement
// and SSH details — over HTTP on both stores, every response held to reference/v0.openapi.yml
// where it has the operation and to allot's served document (the CLI's shapes).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Account = ApiClient & { accountId: string };
const hour = 3600;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

describe.each(testDialects)('the v0 API on %s', (dialect) => {
  let server: TestServer;
  let richmond: string;
  let hayes: string;
  let provider: Account;
  let supply: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    richmond = await server.newInstanceSku('v0-h100-richmond', { region: 'us-west', availability_zone: 'richmond', accelerator: 'h100', rdma_type: 'infiniband' });
    hayes = await server.newInstanceSku('v0-h200-hayes', { region: 'us-west', availability_zone: 'hayesvalley', accelerator: 'h200', rdma_type: 'roce' });
    provider = await server.newAccount('v0 provider');
    supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id;
    const now = server.clock.now();
    for (const sku of [richmond, hayes]) await server.issue(supply, sku, [{ start_at: now, end_at: now + 14 * 24 * hour, node_count: 20 }]);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function ask(sku: string, start: number, end: number, nodes: number, price: string): Promise<string> {
    const order = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
    expect(order.status).toBe(201);
    return order.body.id;
  }

  async function withdrawAsks(): Promise<void> {
    const resting = (await provider.get('/preview/v2/orders?side=sell&status=standing&status=partially_filled&limit=200')).body.data;
    for (const order of resting) await provider.delete(`/preview/v2/orders/${order.id}`);
  }

  async function customer(dollars = 10_000): Promise<Account> {
    const account = await server.newAccount();
    if (dollars > 0) await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: dollars });
    return account;
  }

  async function buy(account: Account, sku: string, start: number, end: number, nodes: number, price = '30.00'): Promise<string> {
    const pool = await account.post('/preview/v2/pools', { workspace: 'default', name: `p-${start}-${end}-${nodes}-${sku.slice(-4)}` });
    const order = await account.post('/preview/v2/orders', { pool: pool.body.id, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: false, allow_partial: false });
    expect(order.status).toBe(201);
    expect(order.body.status).toBe('filled');
    return order.body.id;
  }

  describe('GET /v0/contracts', () => {
    it('lists the contracts the account bought, with their shape, state, instance type and zone', async () => {
      const t = server.clock.now();
      await ask(richmond, t, t + 48 * hour, 5, '20.00');
      await ask(hayes, t, t + 48 * hour, 5, '25.00');
      const buyer = await customer();
      await buy(buyer, richmond, t, t + 2 * hour, 2);
      await buy(buyer, hayes, t + 3 * hour, t + 5 * hour, 1);
      const listed = await buyer.get('/v0/contracts');
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ object: 'list', has_more: false });
      expect(listed.body.data).toHaveLength(2);
      const [upcoming, active] = listed.body.data;
      expect(active).toMatchObject({
        object: 'contract',
        status: 'active',
        instance_type: 'h100i',
        zone: 'richmond',
        state: 'Active',
        is_node: false,
        procurement_id: null,
        colocate_with: [],
        shape: { intervals: [iso(t), iso(t + 2 * hour)], quantities: [2, 0] },
      });
      expect(active.id).toMatch(/^cont_/);
      expect(active.created_at).toBe(iso(t));
      expect(upcoming).toMatchObject({ instance_type: 'h200v', zone: 'hayesvalley', state: 'Upcoming', shape: { intervals: [iso(t + 3 * hour), iso(t + 5 * hour)], quantities: [1, 0] } });
      expect((await buyer.get(`/v0/contracts/${active.id}`)).body).toEqual(active);

      // Filters: by state and by instance type; the seller sees none of the buyer's.
      expect((await buyer.get('/v0/contracts?state=Upcoming')).body.data.map((c: { id: string }) => c.id)).toEqual([upcoming.id]);
      expect((await buyer.get('/v0/contracts?state=Active')).body.data.map((c: { id: string }) => c.id)).toEqual([active.id]);
      expect((await buyer.get('/v0/contracts?instance_type=h100v')).body.data.map((c: { id: string }) => c.id)).toEqual([active.id]);
      expect((await buyer.get('/v0/contracts?instance_type=h200ki')).body.data).toEqual([]);
      expect((await provider.get('/v0/contracts')).body.data).toEqual([]);
      expect((await provider.get(`/v0/contracts/${active.id}`)).status).toBe(404);

      // Once its hours are over a contract is Expired: listed only with state=Expired or All.
      await server.advance(2 * hour);
      expect((await buyer.get('/v0/contracts')).body.data.map((c: { id: string }) => c.id)).toEqual([upcoming.id]);
      expect((await buyer.get('/v0/contracts?state=expired')).body.data.map((c: { id: string; state: string }) => [c.id, c.state])).toEqual([[active.id, 'Expired']]);
      expect((await buyer.get('/v0/contracts?state=All')).body.data).toHaveLength(2);
      await withdrawAsks();
    });

    it('pages, and refuses bad filters in the envelope', async () => {
      const t = server.clock.now();
      await ask(richmond, t, t + 48 * hour, 5, '20.00');
      const buyer = await customer();
      for (let i = 1; i <= 3; i++) await buy(buyer, richmond, t, t + i * hour, 1);
      const first = await buyer.get('/v0/contracts?limit=2');
      expect(first.body.data).toHaveLength(2);
      expect(first.body.has_more).toBe(true);
      const second = await buyer.get(`/v0/contracts?limit=2&starting_after=${first.body.cursor}`);
      expect(second.body.data).toHaveLength(1);
      expect(second.body.has_more).toBe(false);
      expect(new Set([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).size).toBe(3);
      for (const query of ['state=Sometime', 'instance_type=a100x', 'limit=0', 'starting_after=nope']) {
        const refused = await buyer.get(`/v0/contracts?${query}`);
        expect(refused.status, query).toBe(400);
        expect(refused.body.error.type).toBe('invalid_request_error');
      }
      expect((await server.anonymous.get('/v0/contracts')).status).toBe(401);
      await withdrawAsks();
    });

    it('marks the contracts of v1 nodes and of procurements', async () => {
      const t = server.clock.now();
      await ask(richmond, t, t + 48 * hour, 5, '20.00');
      const buyer = await customer();
      const node = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 3000, zone: 'richmond', end_at: t - (t % hour) + 2 * hour, names: ['v0-node'] });
      expect(node.status).toBe(201);
      const pool = await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'procured' });
      const procurement = await buyer.post('/preview/v2/procurements', { pool: pool.body.id, instance_sku: richmond, target: 1, min_sell_price_dollars_per_node_hour: '1.00', max_buy_price_dollars_per_node_hour: '30.00', managed_window_minutes: 60 });
      expect(procurement.status).toBe(201);
      const contracts = (await buyer.get('/v0/contracts')).body.data;
      expect(contracts.filter((c: { is_node: boolean }) => c.is_node)).toHaveLength(1);
      expect(contracts.filter((c: { procurement_id: string | null }) => c.procurement_id === procurement.body.id).length).toBeGreaterThan(0);
      await buyer.delete(`/preview/v2/procurements/${procurement.body.id}`);
      await withdrawAsks();
    });
  });

  describe('GET /v0/quote', () => {
    it('quotes a block from the book, cheapest per node-hour, as order_preview prices it', async () => {
      const t = server.clock.now();
      const start = t - (t % hour) + hour;
      await ask(richmond, t, t + 48 * hour, 4, '20.00');
      await ask(hayes, t, t + 48 * hour, 4, '12.00');
      const buyer = await customer();
      const quote = await buyer.get(`/v0/quote?side=buy&instance_type=h100i&quantity=2&min_start_date=${iso(start)}&max_start_date=${iso(start)}&min_duration=${hour}&max_duration=${hour}`);
      expect(quote.status).toBe(200);
      expect(quote.body).toEqual({ object: 'quote', side: 'buy', quote: { price: 4000, quantity: 2, start_at: iso(start), end_at: iso(start + hour), instance_type: 'h100i', zone: 'richmond' }, no_quote_reason: null });
      // order_preview, over the same book, would fill it at the same price.
      const preview = await buyer.post('/preview/v2/order_preview', { side: 'buy', requirements: { availability_zone: ['richmond'] }, start_at: start, duration_seconds: hour, node_count: 2 });
      expect(preview.body.post_order_body.limit_price_dollars_per_node_hour).toBe('19.999980');

      // As `sf nodes create` asks: NOW, the duration minus 10% to plus an hour, instance type h100v with a zone (which decides).
      const cli = await buyer.get(`/v0/quote?side=buy&instance_type=h100v&quantity=1&min_start_date=NOW&max_start_date=NOW&min_duration=${hour * 2 - 720}&max_duration=${hour * 3}&cluster=hayesvalley`);
      expect(cli.body.quote).toMatchObject({ instance_type: 'h200v', zone: 'hayesvalley', quantity: 1, start_at: iso(t) });
      const seconds = (Date.parse(cli.body.quote.end_at) - Date.parse(cli.body.quote.start_at)) / 1000;
      expect(Date.parse(cli.body.quote.end_at) / 1000 % hour).toBe(0);
      expect(seconds).toBeGreaterThanOrEqual(hour * 2 - 720);
      expect(seconds).toBeLessThanOrEqual(hour * 3);
      expect(cli.body.quote.price).toBe(Math.ceil((12 * seconds) / 36));

      // Without a zone the instance type chooses among SKUs; the cheaper one wins.
      const any = await buyer.get(`/v0/quote?side=buy&quantity=1&min_start_date=NOW&max_start_date=NOW&min_duration=${hour}&max_duration=${hour}`);
      expect(any.body.quote.zone).toBe('hayesvalley');

      // No seller for so many nodes, or no such zone: a quote of null, with the reason.
      expect((await buyer.get(`/v0/quote?side=buy&instance_type=h100i&quantity=50&min_duration=${hour}&max_duration=${hour}`)).body).toEqual({ object: 'quote', side: 'buy', quote: null, no_quote_reason: 'no_availability' });
      expect((await buyer.get(`/v0/quote?side=buy&quantity=1&cluster=atlantis&min_duration=${hour}&max_duration=${hour}`)).body).toMatchObject({ quote: null, no_quote_reason: 'no_matching_clusters' });
      await withdrawAsks();
    });

    it('refuses bad quote requests in the envelope', async () => {
      const buyer = await customer(0);
      const t = server.clock.now();
      for (const query of [
        'side=hold&quantity=1&duration=3600',
        'side=buy&quantity=0&duration=3600',
        'side=buy&quantity=1025&duration=3600',
        'side=buy&quantity=1',
        'side=buy&quantity=1&min_duration=7200&max_duration=3600',
        'side=buy&quantity=1&duration=3600&min_duration=3600',
        `side=buy&quantity=1&duration=3600&min_start_date=${iso(t - 2 * hour)}`,
        'side=buy&quantity=1&duration=3600&min_start_date=tomorrow',
        'side=buy&quantity=1&duration=3600&instance_type=a100x',
        'side=buy&quantity=x&duration=3600',
      ]) {
        const refused = await buyer.get(`/v0/quote?${query}`);
        expect(refused.status, query).toBe(400);
        expect(refused.body.error.type, query).toBe('invalid_request_error');
      }
      expect((await buyer.get('/v0/quote?side=buy&quantity=1&duration=3600&colocate_with=cont_nope')).status).toBe(404);
    });
  });
});
