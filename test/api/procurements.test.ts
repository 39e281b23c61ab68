// Procurements and spot deployments over HTTP, on the manual clock: holding a target hour after
// hour through price changes, stopping at the max price, selling surplus, disabling, counting
// instances as the target, conflicts between automations, and spot deployments that buy what
// their instances need.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, testEpoch, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Account = ApiClient & { accountId: string };
const hour = 3600;

describe.each(testDialects)('procurements on %s', (dialect) => {
  let server: TestServer;
  let provider: Account;
  let supply: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    provider = await server.newAccount('Procurement provider');
    supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id;
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  /** A SKU the provider holds 8 nodes of for the next day, offered at `price` unless null. */
  async function market(price: string | null): Promise<{ sku: string; ask: string | null }> {
    const sku = await server.newInstanceSku();
    const now = server.clock.now();
    await server.issue(supply, sku, [{ start_at: now, end_at: now + 24 * hour, node_count: 8 }]);
    return { sku, ask: price === null ? null : await ask(sku, now, now + 24 * hour, 8, price) };
  }

  async function ask(sku: string, start: number, end: number, nodes: number, price: string): Promise<string> {
    const order = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
    expect(order.status).toBe(201);
    return order.body.id;
  }

  async function customer(dollars = 10_000): Promise<{ account: Account; pool: string }> {
    const account = await server.newAccount();
    if (dollars > 0) await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: dollars });
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id;
    return { account, pool };
  }

  async function held(account: ApiClient, pool: string, sku: string) {
    return (await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[sku] ?? [];
  }

  it('holds its target hour after hour, waits at its max price when prices rise, and buys again when they fall', async () => {
    const { sku, ask: firstAsk } = await market('9.00');
    const { account, pool } = await customer();
    const t = server.clock.now();
    expect(t % hour).toBe(0);
    const created = await account.post('/preview/v2/procurements', {
      name: 'keep-two',
      pool,
      instance_sku: sku,
      target: 2,
      min_sell_price_dollars_per_node_hour: '6.00',
      max_buy_price_dollars_per_node_hour: '12.00',
      managed_window_minutes: 60,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'procurement',
      name: 'keep-two',
      resource_path: `sfc:procurement:${account.accountId}:default:keep-two`,
      target: 2,
      pool: { id: pool, name: 'compute' },
      instance_sku: { id: sku },
      min_sell_price_dollars_per_node_hour: '6.000000',
      max_buy_price_dollars_per_node_hour: '12.000000',
      managed_window_minutes: 60,
      enabled: true,
      status: { state: 'info' },
      created_at: t,
    });
    expect(created.body.id).toMatch(/^proc_/);
    // The window holds exactly its 60 minutes, from the next minute.
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t, end_at: t + 60, node_count: 0 },
      { start_at: t + 60, end_at: t + hour + 60, node_count: 2 },
      { start_at: t + hour + 60, end_at: null, node_count: 0 },
    ]);
    expect((await account.get(`/preview/v2/pools/${pool}`)).body.procurements).toEqual([{ id: created.body.id, name: 'keep-two' }]);

    await server.advance(hour);
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t + hour, end_at: t + 2 * hour + 60, node_count: 2 },
      { start_at: t + 2 * hour + 60, end_at: null, node_count: 0 },
    ]);

    // Prices rise above the max: the minutes that enter the window cannot be bought, and the status says so.
    expect((await provider.delete(`/preview/v2/orders/${firstAsk}`)).status).toBe(204);
    await ask(sku, t + hour, t + 24 * hour, 6, '15.00');
    await server.advance(hour);
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t + 2 * hour, end_at: t + 2 * hour + 60, node_count: 2 },
      { start_at: t + 2 * hour + 60, end_at: null, node_count: 0 },
    ]);
    const short = (await account.get(`/preview/v2/procurements/${created.body.id}`)).body;
    expect(short.status.state).toBe('warning');
    expect(short.status.message).toContain('12.000000');
    const standing = await account.get(`/preview/v2/orders?procurement=${created.body.id}&status=standing`);
    expect(standing.body.data).toMatchObject([{ side: 'buy', limit_price_dollars_per_node_hour: '12.000000', allocation_schedule_delta: [{ start_at: t + 2 * hour + 60, end_at: t + 3 * hour + 60, node_count: 2 }] }]);
    // Procurement orders stay out of the plain list.
    expect((await account.get('/preview/v2/orders')).body.data).toEqual([]);

    // A seller at $10.80 meets the standing buy, at the buy's price.
    await ask(sku, t + 2 * hour + 60, t + 3 * hour + 60, 2, '10.80');
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t + 2 * hour, end_at: t + 3 * hour + 60, node_count: 2 },
      { start_at: t + 3 * hour + 60, end_at: null, node_count: 0 },
    ]);
    const balances = (await account.get('/v1/balances')).body;
    // Two hours of two nodes at $9, one at $12.
    expect(balances.available_balance_cents).toBe(1_000_000 - Math.round(2 * 9 * 2 * hour / 36 + 2 * 12 * hour / 36));
  });

  it('holds exactly managed_window_minutes whole minutes ahead, from the next minute, not to a clock hour', async () => {
    const { sku } = await market('9.00');
    const { account, pool } = await customer();
    await server.advance(17 * 60 + 5);
    const t = server.clock.now();
    const nextMinute = t - (t % 60) + 60;
    const created = await account.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 90 });
    expect(created.status).toBe(201);
    expect(await held(account, pool, sku)).toEqual([
      { start_at: nextMinute - 60, end_at: nextMinute, node_count: 0 },
      { start_at: nextMinute, end_at: nextMinute + 90 * 60, node_count: 1 },
      { start_at: nextMinute + 90 * 60, end_at: null, node_count: 0 },
    ]);
    expect((await account.get(`/preview/v2/procurements/${created.body.id}`)).body.status.message).toContain(new Date((nextMinute + 90 * 60) * 1000).toISOString().slice(0, 16));
    // The window moves on with every minute, and so does what is held; two hours later still 90 minutes.
    for (const step of [60, 60, 7 * 60, 43 * 60 + 55, 2 * hour]) {
      await server.advance(step);
      const now = server.clock.now();
      const from = now - (now % 60);
      expect(await held(account, pool, sku), `at ${now}`).toEqual([
        { start_at: from, end_at: from + 60 + 90 * 60, node_count: 1 },
        { start_at: from + 60 + 90 * 60, end_at: null, node_count: 0 },
      ]);
    }
    // Every order it placed lies inside the window it was placed in.
    const orders = (await account.get(`/preview/v2/orders?procurement=${created.body.id}&limit=200`)).body.data as { created_at: number; allocation_schedule_delta: { start_at: number; end_at: number }[] }[];
    expect(orders.length).toBeGreaterThan(1);
    for (const order of orders) {
      const placedMinute = order.created_at - (order.created_at % 60);
      expect(order.allocation_schedule_delta[0]!.start_at).toBeGreaterThanOrEqual(placedMinute + 60);
      expect(order.allocation_schedule_delta[0]!.end_at).toBeLessThanOrEqual(placedMinute + 60 + 90 * 60);
    }
    expect((await account.delete(`/preview/v2/procurements/${created.body.id}`)).status).toBe(204);
  });

  it('sells surplus into standing bids at no less than its min price, and cancels its orders when disabled', async () => {
    const { sku } = await market('9.00');
    const { account, pool } = await customer();
    const bidder = await customer();
    const t = server.clock.now();
    const procurement = (await account.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 3, min_sell_price_dollars_per_node_hour: '7.20', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 120 })).body;
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t, end_at: t + 60, node_count: 0 },
      { start_at: t + 60, end_at: t + 2 * hour + 60, node_count: 3 },
      { start_at: t + 2 * hour + 60, end_at: null, node_count: 0 },
    ]);
    // A bid below the min price is not sold into; one at it is.
    await bidder.account.post('/preview/v2/orders', { pool: bidder.pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: t, end_at: t + 24 * hour, node_count: 5 }], limit_price_dollars_per_node_hour: '6.00', allow_standing: true, allow_partial: true });
    const patched = await account.patch(`/preview/v2/procurements/${procurement.id}`, { target: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body.target).toBe(1);
    expect((await held(account, pool, sku))[1]).toEqual({ start_at: t + 60, end_at: t + 2 * hour + 60, node_count: 3 });
    await bidder.account.post('/preview/v2/orders', { pool: bidder.pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: t, end_at: t + 24 * hour, node_count: 5 }], limit_price_dollars_per_node_hour: '7.20', allow_standing: true, allow_partial: true });
    await account.patch(`/preview/v2/procurements/${procurement.id}`, { min_sell_price_dollars_per_node_hour: '7.20' });
    expect(await held(account, pool, sku)).toEqual([
      { start_at: t, end_at: t + 60, node_count: 0 },
      { start_at: t + 60, end_at: t + 2 * hour + 60, node_count: 1 },
      { start_at: t + 2 * hour + 60, end_at: null, node_count: 0 },
    ]);

    // Back up to 4 with no sellers under $8.40: a standing buy waits; disabling cancels it.
    await account.patch(`/preview/v2/procurements/${procurement.id}`, { target: 4, max_buy_price_dollars_per_node_hour: '8.40' });
    const waiting = await account.get(`/preview/v2/orders?procurement=${procurement.id}&status=standing`);
    expect(waiting.body.data.length).toBeGreaterThan(0);
    const disabled = await account.patch(`/preview/v2/procurements/${procurement.id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, status: { state: 'info' } });
    expect((await account.get(`/preview/v2/orders?procurement=${procurement.id}&status=standing`)).body.data).toEqual([]);
    const balances = (await account.get('/v1/balances')).body;
    expect(balances.available_balance_cents).toBe(balances.current_balance_cents);
    await server.advance(hour);
    expect((await account.get(`/preview/v2/orders?procurement=${procurement.id}&status=standing`)).body.data).toEqual([]);
  });

  it('counts instances for a node_count target, and reports what it cannot pay for', async () => {
    const { sku } = await market('9.00');
    const { account, pool } = await customer();
    const instance = await account.post('/preview/v2/instances', { pool, instance_sku: sku, image: 'ubuntu-24.04-cuda-12.8' });
    expect(instance.body.status).toBe('awaiting_allocation');
    const procurement = (await account.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 'node_count', min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60 })).body;
    expect(procurement.target).toBe('node_count');
    await server.advance(60);
    expect((await account.get(`/preview/v2/instances/${instance.body.id}`)).body.status).toBe('running');
    // A second instance raises the target at once.
    const second = await account.post('/preview/v2/instances', { pool, instance_sku: sku, image: 'ubuntu-24.04-cuda-12.8' });
    await server.advance(60);
    expect((await account.get(`/preview/v2/instances/${second.body.id}`)).body.status).toBe('running');

    const broke = await customer(0);
    const unpaid = await broke.account.post('/preview/v2/procurements', { pool: broke.pool, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60 });
    expect(unpaid.status).toBe(201);
    expect(unpaid.body.status.state).toBe('error');
    expect(unpaid.body.status.message).toContain('Insufficient balance');
  });

  it('allows one procurement per pool and SKU, lists, renames and deletes them', async () => {
    const { sku } = await market(null);
    const { account, pool } = await customer();
    const body = { pool, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60 };
    const first = await account.post('/preview/v2/procurements', { ...body, name: 'first' });
    expect(first.status).toBe(201);
    expect((await account.post('/preview/v2/procurements', body)).status).toBe(409);
    const other = await account.post('/preview/v2/pools', { workspace: 'default', name: 'other' });
    expect((await account.post('/preview/v2/procurements', { ...body, pool: other.body.id, name: 'first' })).status).toBe(400);
    const second = await account.post('/preview/v2/procurements', { ...body, pool: other.body.id, name: 'second' });
    expect((await account.get('/preview/v2/procurements')).body.data.map((procurement: { name: string }) => procurement.name)).toEqual(['second', 'first']);
    expect((await account.get(`/preview/v2/procurements?pool=${pool}`)).body.data.map((procurement: { name: string }) => procurement.name)).toEqual(['first']);
    expect((await account.get(`/preview/v2/procurements/sfc:procurement:${account.accountId}:default:second`)).body.id).toBe(second.body.id);
    expect((await account.patch(`/preview/v2/procurements/${second.body.id}`, { name: 'renamed' })).body.name).toBe('renamed');
    expect((await account.get('/preview/v2/procurements/renamed')).body.id).toBe(second.body.id);

    // A pool with a procurement cannot be deleted until the procurement goes.
    expect((await account.delete(`/preview/v2/pools/${other.body.id}`)).status).toBe(422);
    expect((await account.delete(`/preview/v2/procurements/${second.body.id}`)).status).toBe(204);
    expect((await account.get(`/preview/v2/procurements/${second.body.id}`)).status).toBe(404);
    expect((await account.delete(`/preview/v2/pools/${other.body.id}`)).status).toBe(204);

    for (const change of [{ managed_window_minutes: 0 }, { managed_window_minutes: 129_601 }, { max_buy_price_dollars_per_node_hour: '12' }, { target: -1 }, { target: 'everything' }]) {
      expect((await account.post('/preview/v2/procurements', { ...body, ...change, name: 'bad' })).status, JSON.stringify(change)).toBe(422);
    }
    const stranger = await server.newAccount();
    expect((await stranger.get(`/preview/v2/procurements/${first.body.id}`)).status).toBe(404);
    const originating = await server.operator.post('/admin/v1/pools', { account: account.accountId, name: 'seller', kind: 'originating' });
    expect((await account.post('/preview/v2/procurements', { ...body, pool: originating.body.id, name: 'cannot' })).status).toBe(422);
  });

  it('runs a spot deployment: buys what its instances need at no more than its max price, and lets go when deleted', async () => {
    const { sku } = await market('9.00');
    const { account, pool } = await customer();
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', name: 'spot-template', image: 'ubuntu-24.04-cuda-12.8' })).body;
    const created = await account.post('/preview/v2/deployments', { kind: 'spot', name: 'spot-fleet', pool, instance_sku: sku, instance_template: template.id, target_instance_count: 2, max_buy_price_dollars_per_node_hour: '12.00' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'spot_deployment',
      name: 'spot-fleet',
      resource_path: `sfc:spot_deployment:${account.accountId}:default:spot-fleet`,
      pool: { id: pool },
      instance_template: { id: template.id },
      instance_sku: { id: sku },
      enabled: true,
      target_instance_count: 2,
      max_buy_price_dollars_per_node_hour: '12.000000',
    });
    expect(created.body.id).toMatch(/^spot_/);
    await server.advance(60);
    const instances = async () => (await account.get(`/preview/v2/instances?pool=${pool}&limit=200`)).body.data.filter((instance: any) => instance.managed_by?.id === created.body.id);
    expect((await instances()).map((instance: any) => [instance.status, instance.managed_by.object])).toEqual([['running', 'spot_deployment'], ['running', 'spot_deployment']]);
    expect((await account.get(`/preview/v2/deployments/${created.body.id}`)).body).toMatchObject({ object: 'spot_deployment', status: { state: 'info' } });
    expect((await account.get('/preview/v2/deployments/spot-fleet')).body.id).toBe(created.body.id);
    expect((await account.get(`/preview/v2/deployments/sfc:spot_deployment:${account.accountId}:default:spot-fleet`)).body.id).toBe(created.body.id);

    // Its procurement shows on the pool, and changes only through the deployment.
    const poolBody = (await account.get(`/preview/v2/pools/${pool}`)).body;
    expect(poolBody.deployments).toEqual([]);
    expect(poolBody.procurements).toHaveLength(1);
    const procurementId = poolBody.procurements[0].id;
    expect((await account.get(`/preview/v2/procurements/${procurementId}`)).body).toMatchObject({ target: 'node_count', max_buy_price_dollars_per_node_hour: '12.000000', managed_window_minutes: 60 });
    expect((await account.patch(`/preview/v2/procurements/${procurementId}`, { enabled: false })).status).toBe(403);
    expect((await account.delete(`/preview/v2/procurements/${procurementId}`)).status).toBe(403);
    const patched = await account.patch(`/preview/v2/deployments/${created.body.id}`, { max_buy_price_dollars_per_node_hour: '13.20', target_instance_count: 3 });
    expect(patched.body).toMatchObject({ max_buy_price_dollars_per_node_hour: '13.200000', target_instance_count: 3 });
    expect((await account.get(`/preview/v2/procurements/${procurementId}`)).body.max_buy_price_dollars_per_node_hour).toBe('13.200000');
    await server.advance(60);
    expect((await instances()).filter((instance: any) => instance.status === 'running')).toHaveLength(3);

    // Automations that would fight over the pool's instances are refused.
    expect((await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 1 })).status).toBe(409);
    expect((await account.post('/preview/v2/deployments', { kind: 'spot', pool, instance_sku: sku, instance_template: template.id, target_instance_count: 1, max_buy_price_dollars_per_node_hour: '12.00' })).status).toBe(409);

    // Deleted: its instances end, its procurement and resting orders go; what it bought stays.
    expect((await account.delete(`/preview/v2/deployments/${created.body.id}`)).status).toBe(204);
    expect((await instances()).map((instance: any) => instance.status)).toEqual(['terminated', 'terminated', 'terminated']);
    expect((await account.get(`/preview/v2/procurements/${procurementId}`)).status).toBe(404);
    expect((await account.get(`/preview/v2/orders?procurement=${procurementId}&status=standing&status=partially_filled`)).status).toBe(422);
    const now = server.clock.now();
    expect((await held(account, pool, sku)).some((entry: any) => entry.node_count > 0 && (entry.end_at === null || entry.end_at > now))).toBe(true);
    expect(testEpoch).toBeLessThan(now);
  });

  it('is caught up by the next order on its SKU when a clock advance left it behind', async () => {
    const { sku } = await market(null);
    const { account, pool } = await customer();
    const created = await account.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60 });
    expect(created.status).toBe(201);
    const now = server.clock.now();
    // As an advance that coalesced its runs and was cut short leaves it: due, its next run later.
    await server.context.store.transaction((tx) => tx.procurements.update(created.body.id, { runDueAt: now, nextRunAt: now + hour, updatedAt: now }));
    const behind = () => server.context.store.read(async (tx) => ({ flagged: (await (await tx.procurements.skuWithBehindAhead(sku, now))())!.procurementsBehind, procurements: (await tx.procurements.behind(now, sku)).map(({ id }) => id) }));
    expect(await behind()).toEqual({ flagged: true, procurements: [created.body.id] });
    await ask(sku, now, now + 24 * hour, 8, '9.00');
    expect(await behind()).toEqual({ flagged: false, procurements: [] });
    // Caught up before the ask was placed, its buy met it.
    expect((await held(account, pool, sku)).some((entry: any) => entry.node_count === 1)).toBe(true);
  });
});
