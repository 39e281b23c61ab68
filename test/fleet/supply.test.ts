// Hosts as supply, and maintenance, over HTTP on both stores: with a supply pool chosen for a SKU,
// each host that registers issues its nodes into it from the next whole minute, with no end; a
// drained host's window is retired from it, shows as a notice in order previews of the SKU, moves
// the expected shutdown of what runs on it and, once begun, ends that; a removed host retires its
// nodes from then on, and so do all hosts once the SKU stops supplying. The audit stays clean.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { drainHostOperation, hostOperation, setSkuSupplyOperation } from '../../src/domain/fleet/operations.js';
import { walk } from '../support/failure-order.js';
import { eventually, FakeAgent, hostFacts, hostsById, newHostToken, register, startFleetServer } from './fleet-support.js';

function nodesAt(rectangles: { start_at: number; end_at: number | null; node_count: number }[] | undefined, at: number): number {
  const found = (rectangles ?? []).find((entry) => entry.start_at <= at && (entry.end_at === null || at < entry.end_at));
  return found?.node_count ?? 0;
}

describe.each(testDialects)('fleet supply on %s', (dialect) => {
  let server: TestServer;
  let provider: ApiClient & { accountId: string };
  let buyer: ApiClient & { accountId: string };
  let sku: string;
  let supplyPool: string;

  beforeAll(async () => {
    server = await startFleetServer(dialect, 10 ** 6);
    provider = await server.newAccount('Provider');
    buyer = await server.newAccount('Buyer');
    sku = await server.newInstanceSku('supply', { availability_zone: 'fleetville' });
    const pool = await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'fleet-supply', kind: 'originating' });
    expect(pool.status, JSON.stringify(pool.body)).toBe(201);
    supplyPool = pool.body.id;
  });
  afterAll(() => server.close());

  async function supplied(at: number): Promise<number> {
    const pool = await provider.get(`/preview/v2/pools/${supplyPool}`);
    expect(pool.status).toBe(200);
    return nodesAt(pool.body.allocation_schedule.by_instance_sku[sku], at);
  }

  async function audit() {
    expect(await server.audit()).toEqual([]);
  }

  it('issues registered hosts\' nodes, retires drained windows, shows them as notices, and retires removed hosts', async () => {
    const now = server.clock.now();
    const minute = Math.floor(now / 60) * 60 + 60;
    // A pool that is not originating is refused; an unknown SKU is not found; nothing changes.
    const market = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'not-supply' })).body.id;
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: market })).status).toBe(400);
    expect((await server.operator.put('/admin/v1/fleet/instance_skus/isku_nope', { supply_pool: supplyPool })).status).toBe(404);
    const set = await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: supplyPool });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ object: 'fleet_instance_sku', instance_sku: { object: 'instance_sku', id: sku, alias: 'supply' }, supply_pool: supplyPool });
    expect((await server.operator.get('/admin/v1/fleet/instance_skus')).body.data).toContainEqual(set.body);

    const { agent } = await newHostToken(server);
    const small = await register(agent, hostFacts('supply', { node_count: 2 }));
    const big = new FakeAgent(agent, await register(agent, hostFacts('supply', { node_count: 3 })));
    expect((await server.operator.get(`/admin/v1/hosts/${small}`)).body.supplies_market).toBe(true);
    expect(await supplied(minute)).toBe(5);
    expect(await supplied(minute + 10 ** 7)).toBe(5);
    await audit();

    // An instance of the buyer's runs on the big host (the small one cordoned).
    const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'runs' })).body.id;
    await server.issue(pool, sku, [{ start_at: Math.floor(now / 60) * 60, end_at: null, node_count: 1 }]);
    await server.operator.post(`/admin/v1/hosts/${small}/cordon`);
    const instance = (await buyer.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'on-big' })).body.id as string;
    await eventually(() => hostsById(server), (hosts) => hosts.get(big.hostId).instances.some((entry: any) => entry.id === instance));
    await big.beat();
    expect((await buyer.get(`/preview/v2/instances/${instance}`)).body.expected_shutdown_at).toBeNull();

    // Drain the big host for an hour, an hour from now.
    const start = minute + 3600;
    const end = start + 3600;
    const drained = await server.operator.post(`/admin/v1/hosts/${big.hostId}/drain`, { start_at: start, end_at: end });
    expect(drained.status).toBe(200);
    expect(await supplied(minute)).toBe(5);
    expect(await supplied(start)).toBe(2);
    expect(await supplied(end - 60)).toBe(2);
    expect(await supplied(end)).toBe(5);
    await audit();
    expect((await buyer.get(`/preview/v2/instances/${instance}`)).body.expected_shutdown_at).toBe(start);

    // Order previews of the SKU over the window tell of it; others do not.
    const overlapping = await buyer.post('/preview/v2/order_preview', { side: 'buy', requirements: { availability_zone: ['fleetville'] }, start_at: start - 3600, duration_seconds: 7200, node_count: 1 });
    expect(overlapping.status).toBe(200);
    expect(overlapping.body.notices).toEqual([expect.objectContaining({ type: 'maintenance_window', start_at: start, end_at: end, maintenance_type: 'degraded_performance' })]);
    expect(overlapping.body.notices[0].description).toContain('3 nodes');
    const later = await buyer.post('/preview/v2/order_preview', { side: 'buy', requirements: { availability_zone: ['fleetville'] }, start_at: end, duration_seconds: 3600, node_count: 1 });
    expect(later.body.notices).toEqual([]);
    const otherSku = await buyer.post('/preview/v2/order_preview', { side: 'buy', requirements: { availability_zone: ['elsewhere'] }, start_at: start, duration_seconds: 3600, node_count: 1 });
    expect(otherSku.body.notices).toEqual([]);

    // At the window's start, what runs on the host ends.
    await server.advance(start - server.clock.now());
    await eventually(async () => (await buyer.get(`/preview/v2/instances/${instance}`)).body.status, (status) => status === 'terminated');
    await audit();

    // Removing the small host retires its nodes from the next minute on.
    const before = server.clock.now();
    const next = Math.floor(before / 60) * 60 + 60;
    expect((await server.operator.delete(`/admin/v1/hosts/${small}`)).status).toBe(200);
    expect(await supplied(next)).toBe(0);
    expect(await supplied(end)).toBe(3);
    await audit();

    // The SKU stops supplying: the big host retires what it issued from then on.
    const stopped = await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: null });
    expect(stopped.body.supply_pool).toBeNull();
    expect(await supplied(end)).toBe(0);
    expect((await server.operator.get(`/admin/v1/hosts/${big.hostId}`)).body.supplies_market).toBe(false);
    await audit();
  });

  it('moves a host\'s node-time to a new supply pool without issuing again what it already sold', async () => {
    const switched = await server.newInstanceSku('supply-switch', { availability_zone: 'fleetville' });
    const pools = await Promise.all(['switch-a', 'switch-b'].map(async (name) => (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name, kind: 'originating' })).body.id as string));
    const [first, second] = pools as [string, string];
    const holder = (await provider.post('/preview/v2/pools', { workspace: 'default', name: 'switch-holder' })).body.id as string;
    const heldBy = async (pool: string, at: number) => nodesAt((await provider.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[switched], at);
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${switched}`, { supply_pool: first })).status).toBe(200);
    const { agent } = await newHostToken(server);
    await register(agent, hostFacts('supply-switch', { node_count: 2 }));
    const minute = Math.floor(server.clock.now() / 60) * 60 + 120;
    expect(await heldBy(first, minute)).toBe(2);
    // One of its two nodes leaves the supply pool (as a sale would take it) for good.
    const moved = await provider.post('/preview/v2/pool_transfers', { from_pool: first, to_pool: holder, instance_sku: switched, allocation_schedule_delta: [{ start_at: minute, end_at: null, node_count: 1 }] });
    expect(moved.status, JSON.stringify(moved.body)).toBe(202);
    const total = async (at: number) => (await heldBy(first, at)) + (await heldBy(second, at)) + (await heldBy(holder, at));
    expect(await total(minute)).toBe(2);

    // The SKU now supplies the second pool: only the node the host has not sold moves there.
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${switched}`, { supply_pool: second })).status).toBe(200);
    const later = Math.floor(server.clock.now() / 60) * 60 + 120;
    await eventually(async () => [await heldBy(first, later), await heldBy(second, later), await heldBy(holder, later)], (held) => held[0] === 0 && held[1] === 1);
    expect(await heldBy(holder, later)).toBe(1);
    expect(await total(later + 10 ** 6)).toBe(2);
    await audit();
    // And back.
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${switched}`, { supply_pool: first })).status).toBe(200);
    await eventually(async () => [await heldBy(first, later), await heldBy(second, later)], (held) => held[0] === 1 && held[1] === 0);
    expect(await total(later + 10 ** 6)).toBe(2);
    await audit();
  });

  it('walks the supply setting\'s, the drain\'s and a host\'s failures in declared order', async () => {
    const walkSku = await server.newInstanceSku('supply-walk', { availability_zone: 'fleetville' });
    const market = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'walk-not-supply' })).body.id as string;
    // The SKU, then the pool named, then the pool's kind.
    await walk(setSkuSupplyOperation, (fixed) => server.operator.put(`/admin/v1/fleet/instance_skus/${fixed > 0 ? walkSku : 'isku_nope'}`, {
      supply_pool: fixed > 2 ? supplyPool : fixed > 1 ? market : 'pool_nosuchpool',
    }), [/No instance SKU "isku_nope"/, /No pool "pool_nosuchpool"/, /originating pool/], 200);

    const { agent } = await newHostToken(server);
    const hostId = await register(agent, hostFacts('supply-walk', { node_count: 1 }));
    const start = Math.floor(server.clock.now() / 60) * 60 + 3600;
    // The host, then the window (a start that is not a whole minute).
    await walk(drainHostOperation, (fixed) => server.operator.post(`/admin/v1/hosts/${fixed > 0 ? hostId : 'host_nosuchhost'}/drain`, {
      start_at: fixed > 1 ? start : start + 1,
      end_at: start + 3600,
    }), [/No host host_nosuchhost/, /whole minute/], 200);
    for (const path of ['', '/cordon', '/uncordon']) {
      await walk(hostOperation, (fixed) => (path === '' ? server.operator.get(`/admin/v1/hosts/${fixed > 0 ? hostId : 'host_nosuchhost'}`) : server.operator.post(`/admin/v1/hosts/${fixed > 0 ? hostId : 'host_nosuchhost'}${path}`)), [/No host host_nosuchhost/], 200);
    }
    await walk(hostOperation, (fixed) => server.operator.delete(`/admin/v1/hosts/${fixed > 0 ? hostId : 'host_nosuchhost'}`), [/No host host_nosuchhost/], 200);
    await audit();
  });
});
