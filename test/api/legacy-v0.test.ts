// The older /v0 API the legacy `sf` CLI calls — contracts, quotes, procurements, VM replacement
// and SSH details — over HTTP on both stores, every response held to reference/v0.openapi.yml
// where it has the operation and to allot's served document (the CLI's shapes).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRunFacts } from '../../src/app/compute/runs.js';
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
  describe('/v0/procurements', () => {
    it('creates a procurement over a pool of its own, which the v2 API shows; lists, gets and changes it', async () => {
      const t = server.clock.now();
      await ask(hayes, t, t + 48 * hour, 6, '16.00');
      const buyer = await customer();
      const created = await buyer.post('/v0/procurements', { instance_type: 'h200v', desired_quantity: 2, buy_limit_price_per_gpu_hour: 250, sell_limit_price_per_gpu_hour: 25, horizon: 90, status: 'active', colocation_strategy: { type: 'anywhere' } });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({
        object: 'procurement',
        id: expect.stringMatching(/^proc_/),
        instance_type: 'h200v',
        status: 'active',
        desired_quantity: 2,
        buy_limit_price_per_gpu_hour: 250,
        sell_limit_price_per_gpu_hour: 25,
        horizon: 90,
        colocation_strategy: { type: 'pinned', cluster_name: 'hayesvalley' },
        last_message: 'running',
      });
      // Prices are rounded down to the price tick ($0.000060 per node-hour), never above the limit.
      const v2 = (await buyer.get(`/preview/v2/procurements/${created.body.id}`)).body;
      expect(v2).toMatchObject({ target: 2, managed_window_minutes: 90, enabled: true, max_buy_price_dollars_per_node_hour: '19.999980', min_sell_price_dollars_per_node_hour: '1.999980', instance_sku: { id: hayes } });
      const pool = (await buyer.get(`/preview/v2/pools/${v2.pool.id}`)).body;
      expect(pool.allocation_schedule.total.some((entry: { node_count: number }) => entry.node_count === 2)).toBe(true);
      expect((await buyer.get(`/v0/procurements/${created.body.id}`)).body).toEqual(created.body);

      const patched = await buyer.patch(`/v0/procurements/${created.body.id}`, { desired_quantity: 1, buy_limit_price_per_gpu_hour: 300, horizon: 120 });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ desired_quantity: 1, buy_limit_price_per_gpu_hour: 300, sell_limit_price_per_gpu_hour: 25, horizon: 120, status: 'active' });
      expect((await buyer.get(`/preview/v2/procurements/${created.body.id}`)).body).toMatchObject({ target: 1, max_buy_price_dollars_per_node_hour: '24.000000', managed_window_minutes: 120 });
      const disabled = await buyer.patch(`/v0/procurements/${created.body.id}`, { status: 'disabled' });
      expect(disabled.body.status).toBe('disabled');
      expect((await buyer.get(`/preview/v2/procurements/${created.body.id}`)).body.enabled).toBe(false);

      // A second one, pinned to a zone; the list is newest first and pages by limit and offset.
      const pinned = await buyer.post('/v0/procurements', { instance_type: 'h100i', desired_quantity: 0, buy_limit_price_per_gpu_hour: 200, colocation_strategy: { type: 'pinned', cluster_name: 'richmond' } });
      expect(pinned.body).toMatchObject({ instance_type: 'h100i', sell_limit_price_per_gpu_hour: 0, horizon: 60, colocation_strategy: { type: 'pinned', cluster_name: 'richmond' } });
      const all = await buyer.get('/v0/procurements');
      expect(all.body).toMatchObject({ object: 'list', has_more: false });
      expect(all.body.data.map((p: { id: string }) => p.id)).toEqual([pinned.body.id, created.body.id]);
      const first = await buyer.get('/v0/procurements?limit=1&offset=0');
      expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([pinned.body.id]);
      expect(first.body.has_more).toBe(true);
      const second = await buyer.get('/v0/procurements?limit=1&offset=1');
      expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([created.body.id]);
      expect(second.body.has_more).toBe(false);
      expect((await provider.get(`/v0/procurements/${created.body.id}`)).status).toBe(404);
      for (const id of [created.body.id, pinned.body.id]) await buyer.delete(`/preview/v2/procurements/${id}`);
      await withdrawAsks();
    });

    it('buys what a pinned zone has whatever the instance type, as `sf scale create -z` expects', async () => {
      // The body `sf scale create -n 8 -z hayesvalley -p 3 -d 30m -y` sends (src/lib/scale/create.tsx of
      // github.com/sfcompute/cli v0.32.5): `-t` defaults to h100i and is "ignored" with a zone, but still sent.
      // hayesvalley here has only an H200 SKU without InfiniBand.
      const t = server.clock.now();
      await ask(hayes, t, t + 48 * hour, 2, '16.00');
      const buyer = await customer();
      const body = { instance_type: 'h100i', desired_quantity: 1, buy_limit_price_per_gpu_hour: 300, sell_limit_price_per_gpu_hour: 25, horizon: 30, status: 'active', colocation_strategy: { type: 'pinned', cluster_name: 'hayesvalley' } };
      const created = await buyer.post('/v0/procurements', body);
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ instance_type: 'h200v', desired_quantity: 1, colocation_strategy: { type: 'pinned', cluster_name: 'hayesvalley' } });
      expect((await buyer.get(`/preview/v2/procurements/${created.body.id}`)).body.instance_sku.id).toBe(hayes);
      // GET /v0/quote with the same cluster prices that zone too.
      const quote = await buyer.get('/v0/quote?side=buy&instance_type=h100i&quantity=1&min_start_date=NOW&max_start_date=NOW&min_duration=3600&max_duration=7200&cluster=hayesvalley');
      expect(quote.status).toBe(200);
      expect(quote.body.quote).toMatchObject({ instance_type: 'h200v', zone: 'hayesvalley' });
      await buyer.delete(`/preview/v2/procurements/${created.body.id}`);
      await withdrawAsks();
    });

    it('refuses bad input in the envelope, changing nothing, and replays an Idempotency-Key', async () => {
      const buyer = await customer();
      const good = { instance_type: 'h100v', desired_quantity: 0, buy_limit_price_per_gpu_hour: 200 };
      for (const [body, field] of [
        [{ ...good, instance_type: 'a100x' }, 'instance_type'],
        [{ ...good, desired_quantity: -1 }, 'desired_quantity'],
        [{ ...good, desired_quantity: 1025 }, 'desired_quantity'],
        [{ ...good, buy_limit_price_per_gpu_hour: 0 }, 'buy_limit_price_per_gpu_hour'],
        [{ instance_type: 'h100v', desired_quantity: 0 }, 'buy_limit_price_per_gpu_hour'],
        [{ ...good, horizon: 0 }, 'horizon'],
        [{ ...good, colocation_strategy: { type: 'somewhere' } }, 'colocation_strategy.type'],
        [{ ...good, colocation_strategy: { type: 'pinned' } }, 'colocation_strategy.cluster_name'],
        [{ ...good, colocation_strategy: { type: 'pinned', cluster_name: 'atlantis' } }, 'colocation_strategy.cluster_name'],
        [{ ...good, extra: true }, null],
      ] as const) {
        const refused = await buyer.post('/v0/procurements', body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.body.error.type).toBe('invalid_request_error');
        if (field !== null) expect(refused.body.error.details?.[0]?.field, JSON.stringify(body)).toBe(field);
      }
      expect((await buyer.get('/v0/procurements')).body.data).toEqual([]);
      expect((await buyer.get('/preview/v2/pools')).body.data).toEqual([]);

      const once = await buyer.post('/v0/procurements', good, { 'idempotency-key': 'scale-1' });
      const again = await buyer.post('/v0/procurements', good, { 'idempotency-key': 'scale-1' });
      expect(again.body).toEqual(once.body);
      expect((await buyer.get('/v0/procurements')).body.data).toHaveLength(1);
      expect((await buyer.post('/v0/procurements', { ...good, desired_quantity: 1 }, { 'idempotency-key': 'scale-1' })).status).toBe(409);

      for (const body of [{ desired_quantity: -1 }, { horizon: 0 }, { instance_type: 'x' }, { buy_limit_price_per_gpu_hour: 0 }, { status: 'paused' }]) {
        const refused = await buyer.patch(`/v0/procurements/${once.body.id}`, body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
      }
      expect((await buyer.get(`/v0/procurements/${once.body.id}`)).body).toEqual(once.body);
      expect((await buyer.patch('/v0/procurements/proc_nope', { horizon: 60 })).status).toBe(404);
      for (const query of ['limit=0', 'limit=101', 'offset=-1']) expect((await buyer.get(`/v0/procurements?${query}`)).status, query).toBe(400);
      await buyer.delete(`/preview/v2/procurements/${once.body.id}`);
    });

    it('changes an autoreserved node\'s price as `sf nodes set` does, and nothing else of it', async () => {
      const t = server.clock.now();
      await ask(richmond, t, t + 48 * hour, 4, '20.00');
      const buyer = await customer();
      const created = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 3000, zone: 'richmond', names: ['spot-v0'] });
      expect(created.status).toBe(201);
      const node = created.body.data[0];
      expect(node.procurement_id).toMatch(/^proc_/);
      const procurement = await buyer.get(`/v0/procurements/${node.procurement_id}`);
      expect(procurement.body).toMatchObject({ instance_type: 'h100i', desired_quantity: 1, buy_limit_price_per_gpu_hour: 375, status: 'active', horizon: 60 });

      // `sf nodes set spot-v0 --max-price 20`: 2000 cents per node-hour, 250 per GPU-hour.
      const set = await buyer.patch(`/v0/procurements/${node.procurement_id}`, { buy_limit_price_per_gpu_hour: 250 });
      expect(set.status).toBe(200);
      expect(set.body.buy_limit_price_per_gpu_hour).toBe(250);
      expect((await buyer.get('/v1/nodes/spot-v0')).body.max_price_per_node_hour).toBe(2000);
      expect((await buyer.get(`/preview/v2/procurements/${node.procurement_id}`)).body).toMatchObject({ max_buy_price_dollars_per_node_hour: '19.999980', min_sell_price_dollars_per_node_hour: '19.999980' });

      const refused = await buyer.patch(`/v0/procurements/${node.procurement_id}`, { desired_quantity: 3 });
      expect(refused.status).toBe(409);
      expect((await buyer.get(`/v0/procurements/${node.procurement_id}`)).body).toEqual(set.body);
      await buyer.patch('/v1/nodes/spot-v0/release');
      await withdrawAsks();
    });
  });
  describe('VMs and node SSH', () => {
    it('replaces a VM with one of the same image and cloud-init, as `sf vm replace` does', async () => {
      const t = server.clock.now();
      await ask(richmond, t, t + 48 * hour, 4, '20.00');
      const buyer = await customer();
      const script = Buffer.from('#cloud-config\nruncmd: [echo hi]\n').toString('base64');
      const created = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 3000, zone: 'richmond', end_at: t - (t % hour) + 3 * hour, names: ['replaceable'], cloud_init_user_data: script });
      expect(created.status).toBe(201);
      const vm = created.body.data[0].current_vm;
      expect(vm.status).toBe('Running');

      for (const [body, status] of [[{}, 400], [{ vm_id: 'vm_nope' }, 404], [{ vm_id: 'pool_nope' }, 404]] as const) {
        expect((await buyer.post('/v0/vms/replace', body)).status, JSON.stringify(body)).toBe(status);
      }
      expect((await provider.post('/v0/vms/replace', { vm_id: vm.id })).status).toBe(404);

      const replaced = await buyer.post('/v0/vms/replace', { vm_id: vm.id }, { 'idempotency-key': 'replace-1' });
      expect(replaced.status).toBe(200);
      expect(replaced.body.replaced).toBe(vm.id);
      expect(replaced.body.replaced_by).toMatch(/^vm_/);
      expect(replaced.body.replaced_by).not.toBe(vm.id);
      expect((await buyer.post('/v0/vms/replace', { vm_id: vm.id }, { 'idempotency-key': 'replace-1' })).body).toEqual(replaced.body);

      const node = (await buyer.get('/v1/nodes/replaceable')).body;
      expect(node.current_vm).toMatchObject({ id: replaced.body.replaced_by, status: 'Running', image_id: vm.image_id });
      const old = (await buyer.get(`/preview/v2/instances/${vm.id}`)).body;
      expect(old.status).toBe('terminated');
      const fresh = (await buyer.get(`/preview/v2/instances/${replaced.body.replaced_by}?include=cloud_init_user_data`)).body;
      expect(fresh.cloud_init_user_data).toBe(script);
      // An ended VM is not replaced again.
      expect((await buyer.post('/v0/vms/replace', { vm_id: vm.id })).status).toBe(404);

      // `sf nodes ssh replaceable`: the current VM's SSH details in v2's shape, the same as /v0/vms/ssh's.
      await server.advance(120);
      const ssh = await buyer.get('/v2/nodes/replaceable/ssh');
      expect(ssh.status).toBe(200);
      const v0 = (await buyer.get(`/v0/vms/ssh?vm_id=${replaced.body.replaced_by}`)).body;
      expect(ssh.body).toEqual({
        hostname: v0.ssh_hostname,
        port: v0.ssh_port,
        host_keys: (v0.ssh_host_keys ?? []).map((key: { key_type: string; base64_encoded_key: string }) => ({ key_type: key.key_type, key: key.base64_encoded_key })),
        last_successful_key_update: v0.last_successful_key_update,
        last_attempted_key_update: v0.last_attempted_key_update,
      });
      expect((await buyer.get(`/v2/nodes/${node.id}/ssh`)).body).toEqual(ssh.body);
      expect((await buyer.get('/v2/nodes/nobody/ssh')).status).toBe(404);
      expect((await provider.get('/v2/nodes/replaceable/ssh')).status).toBe(404);
      await withdrawAsks();
    });
  });
  describe('/v0/orders', () => {
    it('places, lists, gets and cancels orders for a total price in cents, on the same book as v2', async () => {
      const t = server.clock.now();
      const start = t - (t % hour) + hour;
      await ask(hayes, t, t + 48 * hour, 4, '10.00');
      const buyer = await customer();
      // 2 nodes for 2 hours at $12 per node-hour: 4800 cents. It fills against the $10 ask.
      const bought = await buyer.post('/v0/orders', { side: 'buy', instance_type: 'h200v', quantity: 2, start_at: iso(start), end_at: iso(start + 2 * hour), price: 4800 }, { 'idempotency-key': 'buy-1' });
      expect(bought.status).toBe(201);
      expect(bought.body).toMatchObject({
        object: 'order', side: 'buy', status: 'filled', instance_type: 'h200v', quantity: 2, start_at: iso(start), end_at: iso(start + 2 * hour), duration: 2 * hour, price: 4800,
        flags: { ioc: false, post_only: false, market: false, prorate: false }, executed: true, execution_price: 4000, cancelled: false, rejected: false, cluster: 'hayesvalley', idempotency_key: 'buy-1', created_at: iso(t),
      });
      expect(bought.body.id).toMatch(/^ordr_/);
      expect((await buyer.post('/v0/orders', { side: 'buy', instance_type: 'h200v', quantity: 2, start_at: iso(start), end_at: iso(start + 2 * hour), price: 4800 }, { 'idempotency-key': 'buy-1' })).body.id).toBe(bought.body.id);
      const v2 = (await buyer.get(`/preview/v2/orders/${bought.body.id}`)).body;
      expect(v2).toMatchObject({ side: 'buy', status: 'filled', pool: { name: 'v0' }, limit_price_dollars_per_node_hour: '12.000000' });
      const contracts = (await buyer.get('/v0/contracts')).body.data;
      expect(contracts).toHaveLength(1);

      // A buy with no seller at its price rests open; cancelling returns its hold.
      const resting = await buyer.post('/v0/orders', { side: 'buy', cluster: 'hayesvalley', quantity: 1, start_at: 'NOW', end_at: iso(start + 5 * hour), price: 100 });
      expect(resting.body).toMatchObject({ status: 'open', executed: false, executed_at: null });
      expect(resting.body.execution_price).toBeUndefined();
      const ioc = await buyer.post('/v0/orders', { side: 'buy', instance_type: 'h200v', quantity: 1, start_at: 'NOW', end_at: iso(start + hour), price: 10, flags: { ioc: true } });
      expect(ioc.body).toMatchObject({ status: 'cancelled', cancelled: true, flags: { ioc: true } });

      // Selling back part of what was bought: from the pool holding the contract.
      const sold = await buyer.post('/v0/orders', { side: 'sell', contract_id: contracts[0].id, quantity: 1, start_at: iso(start + hour), end_at: iso(start + 2 * hour), price: 500 });
      expect(sold.status).toBe(201);
      expect(sold.body).toMatchObject({ side: 'sell', status: 'open', quantity: 1, price: 500 });

      const listed = (await buyer.get('/v0/orders')).body;
      expect(listed).toMatchObject({ object: 'list', has_more: false });
      expect(listed.data.map((o: { id: string }) => o.id)).toEqual([sold.body.id, ioc.body.id, resting.body.id, bought.body.id]);
      expect((await buyer.get('/v0/orders?only_open=true')).body.data.map((o: { id: string }) => o.id)).toEqual([sold.body.id, resting.body.id]);
      expect((await buyer.get('/v0/orders?side=buy&only_filled=true')).body.data.map((o: { id: string }) => o.id)).toEqual([bought.body.id]);
      expect((await buyer.get('/v0/orders?exclude_cancelled=true&sort_direction=ASC')).body.data.map((o: { id: string }) => o.id)).toEqual([bought.body.id, resting.body.id, sold.body.id]);
      expect((await buyer.get('/v0/orders?min_price=1000')).body.data.map((o: { id: string }) => o.id)).toEqual([bought.body.id]);
      const page = (await buyer.get('/v0/orders?limit=2&offset=1')).body;
      expect(page.data.map((o: { id: string }) => o.id)).toEqual([ioc.body.id, resting.body.id]);
      expect(page.has_more).toBe(true);
      expect((await buyer.get(`/v0/orders/${bought.body.id}`)).body).toMatchObject({ id: bought.body.id, status: 'filled' });
      expect((await buyer.get(`/v0/orders/${bought.body.id}/clusters`)).body).toEqual({ object: 'list', data: [], has_more: false });
      expect((await provider.get(`/v0/orders/${bought.body.id}`)).status).toBe(404);

      const cancelled = await buyer.delete(`/v0/orders/${resting.body.id}`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toEqual({ object: 'pending' });
      expect((await buyer.get(`/v0/orders/${resting.body.id}`)).body.status).toBe('cancelled');
      expect((await buyer.delete(`/v0/orders/${resting.body.id}`)).status).toBe(400);
      expect((await buyer.delete(`/v0/orders/${bought.body.id}`)).status).toBe(400);
      const all = await buyer.delete('/v0/orders');
      expect(all.body).toEqual({ object: 'pending', cancelled_count: 1 });
      expect((await buyer.get('/v0/orders?only_open=true')).body.data).toEqual([]);
      await withdrawAsks();
    });

    it('refuses bad orders in the envelope and changes nothing', async () => {
      const t = server.clock.now();
      const start = t - (t % hour) + hour;
      const buyer = await customer(1);
      const good = { side: 'buy', instance_type: 'h100i', quantity: 1, start_at: iso(start), end_at: iso(start + hour), price: 1000 };
      for (const [body, status] of [
        [{ ...good, side: 'hold' }, 400],
        [{ ...good, quantity: 0 }, 400],
        [{ ...good, instance_type: 'a100x' }, 400],
        [{ ...good, instance_type: undefined }, 400],
        [{ ...good, start_at: iso(t - 2 * hour) }, 400],
        [{ ...good, start_at: 'tomorrow' }, 400],
        [{ ...good, end_at: iso(start) }, 400],
        [{ ...good, end_at: iso(start + 90) }, 400],
        [{ ...good, price: -1 }, 400],
        [{ ...good, flags: { market: true } }, 400],
        [{ ...good, flags: { post_only: true } }, 400],
        [{ ...good, side: 'sell' }, 400],
        [{ ...good, side: 'sell', contract_id: 'cont_nope' }, 404],
        [{ ...good, cluster: 'atlantis', instance_type: undefined }, 400],
        [{ ...good, price: 100_000 }, 402],
      ] as const) {
        const refused = await buyer.post('/v0/orders', body);
        expect(refused.status, JSON.stringify(body)).toBe(status);
        expect(refused.body.error.message.length).toBeGreaterThan(0);
      }
      expect((await buyer.get('/v0/orders')).body.data).toEqual([]);
      expect((await buyer.get('/preview/v2/pools')).body.data).toEqual([]);
      for (const query of ['only_open=true&only_filled=true', 'limit=0', 'limit=101', 'offset=-1', 'instance_type=x', 'sort_by=price']) {
        expect((await buyer.get(`/v0/orders?${query}`)).status, query).toBe(400);
      }
      expect((await buyer.delete('/v0/orders/ordr_nope')).status).toBe(404);
    });
  });
  describe('/v0/balance, /v0/transactions and /v0/instances', () => {
    it('shows the account\'s money and machines in the older shapes', async () => {
      const t = server.clock.now();
      const start = t - (t % hour) + hour;
      await ask(hayes, t, t + 48 * hour, 4, '12.00');
      const buyer = await customer(100);
      expect((await buyer.get('/v0/balance')).body).toEqual({ object: 'balance', available_balance_cents: 10_000, current_balance_cents: 10_000 });
      const bought = await buyer.post('/v0/orders', { side: 'buy', instance_type: 'h200v', quantity: 1, start_at: iso(start), end_at: iso(start + 2 * hour), price: 2400 });
      expect(bought.body.status).toBe('filled');
      const resting = await buyer.post('/v0/orders', { side: 'buy', cluster: 'hayesvalley', quantity: 1, start_at: iso(start), end_at: iso(start + hour), price: 120 });
      expect(resting.body.status).toBe('open');
      expect((await buyer.get('/v0/balance')).body).toEqual({ object: 'balance', available_balance_cents: 10_000 - 2400 - 120, current_balance_cents: 10_000 - 2400 });

      const transactions = (await buyer.get('/v0/transactions')).body;
      expect(transactions.object).toBe('transactions');
      expect(transactions.pagination).toMatchObject({ has_more: false, count: 2 });
      const [buy, credit] = transactions.transactions;
      expect(buy).toMatchObject({
        direction: 'outgoing', status: 'accepted', amount: 2400, account_kind: 'primary', balance_before: 10_000, balance_after: 7600,
        metadata: { type: 'buy', quantity: 1, start_time: iso(start), end_time: iso(start + 2 * hour), order_id: bought.body.id, instance_type_requirements: { accelerator_types: ['H200'], interconnect_types: ['None'], delivery_type: 'VM' } },
      });
      expect(credit).toMatchObject({ direction: 'incoming', amount: 10_000, balance_before: 0, balance_after: 10_000, metadata: { type: 'promotional_credit' } });
      const first = (await buyer.get('/v0/transactions?limit=1')).body;
      expect(first.transactions.map((x: { id: string }) => x.id)).toEqual([buy.id]);
      expect(first.pagination.has_more).toBe(true);
      expect((await buyer.get(`/v0/transactions?limit=1&starting_after=${buy.id}`)).body.transactions.map((x: { id: string }) => x.id)).toEqual([credit.id]);
      expect((await buyer.get(`/v0/transactions?ending_before=${credit.id}`)).body.transactions.map((x: { id: string }) => x.id)).toEqual([buy.id]);
      expect((await buyer.get('/v0/transactions?transaction_type=promotional_credit')).body.transactions.map((x: { id: string }) => x.id)).toEqual([credit.id]);
      expect((await buyer.get('/v0/transactions?transaction_type=deposit_ach')).body.transactions).toEqual([]);
      for (const query of ['limit=0', 'limit=101', 'starting_after=nope', 'transaction_type=gift']) expect((await buyer.get(`/v0/transactions?${query}`)).status, query).toBe(400);

      // An instance on what was bought, as /v0/instances shows it.
      const pool = (await buyer.get('/preview/v2/pools/v0')).body;
      await server.advance(start - t);
      const instance = await buyer.post('/preview/v2/instances', { pool: pool.id, instance_sku: hayes, image: 'ubuntu-24.04-cuda-12.8' });
      expect(instance.status).toBeLessThan(300);
      const listed = (await buyer.get('/v0/instances')).body;
      expect(listed).toMatchObject({ object: 'list', has_more: false });
      expect(listed.data).toEqual([expect.objectContaining({ object: 'instance', id: instance.body.id, instance_type: 'h200v', zone: 'hayesvalley', status: instance.body.status })]);
      expect((await buyer.get(`/v0/instances/${instance.body.id}`)).body).toEqual(listed.data[0]);
      expect((await provider.get(`/v0/instances/${instance.body.id}`)).status).toBe(404);
      expect((await buyer.get('/v0/instances?limit=0')).status).toBe(400);
      await buyer.delete('/v0/orders');
      await withdrawAsks();
    });
  });
  describe('/v0/credentials', () => {
    const ed25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVzZXItb25lLWtleS1mb3ItYWxsb3QtdGVzdHM user@laptop';
    const rsa = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7dGVzdC1rZXktdHdv';

    it('keeps the account\'s SSH keys, which every VM it starts is given', async () => {
      const t = server.clock.now();
      await ask(hayes, t, t + 48 * hour, 2, '12.00');
      const buyer = await customer();
      expect((await buyer.get('/v0/credentials')).body).toEqual({ object: 'list', data: [], has_more: false });
      const first = await buyer.post('/v0/credentials', { pubkey: `  ${ed25519}\n`, username: 'root' });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ object: 'credential', id: expect.stringMatching(/^sshkey_/), pubkey: ed25519, username: 'root', created_at: iso(t) });
      const second = await buyer.post('/v0/credentials', { pubkey: rsa });
      expect(second.body.username).toBeNull();
      expect((await buyer.get('/v0/credentials')).body.data.map((key: { id: string }) => key.id)).toEqual([first.body.id, second.body.id]);
      expect((await provider.get('/v0/credentials')).body.data).toEqual([]);

      // A VM of the account gets both keys to authorise.
      const node = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 1300, zone: 'hayesvalley', end_at: t - (t % hour) + 2 * hour, names: ['keyed'] });
      expect(node.status).toBe(201);
      const facts = await loadRunFacts(server.context, node.body.data[0].current_vm.id.replace('vm_', 'inst_'));
      expect(facts.sshAuthorizedKeys).toEqual([ed25519, rsa]);

      expect((await buyer.delete(`/v0/credentials/${second.body.id}`)).status).toBe(204);
      expect((await buyer.delete(`/v0/credentials/${second.body.id}`)).status).toBe(404);
      expect((await provider.delete(`/v0/credentials/${first.body.id}`)).status).toBe(404);
      expect((await buyer.get('/v0/credentials')).body.data.map((key: { id: string }) => key.id)).toEqual([first.body.id]);
      await withdrawAsks();
    });

    it('refuses what is not one OpenSSH public key, and a key it has already, changing nothing', async () => {
      const buyer = await customer(0);
      expect((await buyer.post('/v0/credentials', { pubkey: ed25519 })).status).toBe(200);
      for (const body of [{}, { pubkey: '' }, { pubkey: 'not a key' }, { pubkey: 'ssh-dss AAAAB3NzaC1kc3M=' }, { pubkey: `${ed25519}\nssh-rsa AAAA` }, { pubkey: ed25519.replace('user@laptop', 'again') }, { pubkey: 'x'.repeat(9000) }, { pubkey: ed25519, extra: 1 }]) {
        const refused = await buyer.post('/v0/credentials', body);
        expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(refused.body.error.type).toBe('invalid_request_error');
      }
      expect((await buyer.get('/v0/credentials')).body.data).toHaveLength(1);
    });
  });
});
