// Sold node-time whose host goes down, over HTTP on both stores, on the manual clock. While the
// SKU's other hosts have spare nodes, buyers keep their contracts and their deployments' instances
// are placed there (the spare node-time leaves the market instead). When nothing can back it, it is
// taken back from the buyers — the idle allocation first, so no running instance elsewhere ends —
// an hour ahead while the host stays down, and refunded at the contract's price; a host that
// comes back backs what is still sold. Allocation and money audits stay clean throughout.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { eventually, FakeAgent, hostFacts, hostsById, newHostToken, register, silenceUntil, startFleetServer } from './fleet-support.js';

const hour = 3600;

function nodesAt(rectangles: { start_at: number; end_at: number | null; node_count: number }[] | undefined, at: number): number {
  return (rectangles ?? []).find((entry) => entry.start_at <= at && (entry.end_at === null || at < entry.end_at))?.node_count ?? 0;
}

describe.each(testDialects)('sold node-time of a down host on %s', (dialect) => {
  let server: TestServer;
  let provider: ApiClient & { accountId: string };

  beforeAll(async () => {
    server = await startFleetServer(dialect, 30);
    provider = await server.newAccount('Unbacked provider');
  });
  afterAll(() => server.close());

  /** A SKU whose hosts supply a pool of the provider's; answers both. */
  async function suppliedSku(alias: string) {
    const sku = await server.newInstanceSku(alias);
    const supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: `${alias}-supply`, kind: 'originating' })).body.id as string;
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: supply })).status).toBe(200);
    return { sku, supply };
  }

  async function buyer(name: string) {
    const account = await server.newAccount(name);
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1000 });
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: `${name}-pool` })).body.id as string;
    return { account, pool };
  }

  function order(account: ApiClient, pool: string, side: 'buy' | 'sell', sku: string, from: number, to: number, nodes: number, price: string) {
    return account.post('/preview/v2/orders', { pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: from, end_at: to, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
  }

  async function held(account: ApiClient, pool: string, sku: string, at: number) {
    return nodesAt((await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[sku], at);
  }

  async function cash(account: ApiClient) {
    return (await account.get('/v1/balances')).body.available_balance_cents as number;
  }

  /** Advances the clock to `at` in steps shorter than `down_after`, the agents beating at each. */
  async function advanceBeating(at: number, ...agents: FakeAgent[]) {
    while (server.clock.now() < at) {
      await server.advance(Math.min(20, at - server.clock.now()));
      for (const agent of agents) await agent.beat();
    }
  }

  it('places a down host\'s sold node-time on the SKU\'s spare nodes: buyers keep their contracts', async () => {
    const { sku, supply } = await suppliedSku('unbacked-spare');
    const { agent } = await newHostToken(server, 'spare');
    const doomed = new FakeAgent(agent, await register(agent, hostFacts('unbacked-spare', { node_count: 2 })));
    const spare = new FakeAgent(agent, await register(agent, hostFacts('unbacked-spare', { node_count: 2 })));
    const start = Math.floor(server.clock.now() / 60) * 60 + 120;
    const { account, pool } = await buyer('spare-buyer');
    expect((await order(provider, supply, 'sell', sku, start, start + 4 * hour, 2, '12.00')).status).toBe(201);
    expect((await order(account, pool, 'buy', sku, start, start + 4 * hour, 2, '12.00')).status).toBe(201);
    const paid = await cash(account);
    await server.operator.post(`/admin/v1/hosts/${spare.hostId}/cordon`);
    await advanceBeating(start, doomed, spare);
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'worker' })).status).toBe(201);
    const created = await account.post('/preview/v2/deployments', { kind: 'generic', name: 'spare-web', pool, instance_sku: sku, instance_template: 'worker', target_instance_count: 2, instance_name_template: 'spare-web-{{nanoid(9)}}' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await eventually(() => hostsById(server), (hosts) => hosts.get(doomed.hostId).instances.length === 2);
    await doomed.beat();
    await server.operator.post(`/admin/v1/hosts/${spare.hostId}/uncordon`);

    const after = await silenceUntil(server, [spare], () => hostsById(server), (hosts) => hosts.get(doomed.hostId).status === 'down' && hosts.get(spare.hostId).instances.length === 2 && hosts.get(spare.hostId).instances.every((instance: any) => instance.status === 'running'));
    expect(after.get(spare.hostId).instances.every((instance: any) => instance.status === 'running')).toBe(true);
    // The buyer keeps its two nodes to the end of its contract, and pays nothing more, is refunded nothing.
    const next = Math.floor(server.clock.now() / 60) * 60 + 60;
    expect(await held(account, pool, sku, next)).toBe(2);
    expect(await held(account, pool, sku, start + 4 * hour - 60)).toBe(2);
    expect(await cash(account)).toBe(paid);
    // The spare host's nodes it now runs them on left the market instead.
    expect(await held(provider, supply, sku, next)).toBe(0);
    expect(await held(provider, supply, sku, start + 4 * hour)).toBe(2);
    expect(await server.audit()).toEqual([]);
  }, 120_000);

  it('takes back what no host can back, idle allocation first, an hour ahead, and refunds it at the contract\'s price', async () => {
    const { sku, supply } = await suppliedSku('unbacked-short');
    const { agent } = await newHostToken(server, 'short');
    const doomed = new FakeAgent(agent, await register(agent, hostFacts('unbacked-short', { node_count: 2 })));
    const other = new FakeAgent(agent, await register(agent, hostFacts('unbacked-short', { node_count: 1 })));
    const start = Math.floor(server.clock.now() / 60) * 60 + 120;
    const end = start + 4 * hour;
    const one = await buyer('short-one');
    const two = await buyer('short-two');
    expect((await order(provider, supply, 'sell', sku, start, end, 3, '12.00')).status).toBe(201);
    expect((await order(one.account, one.pool, 'buy', sku, start, end, 2, '12.00')).status).toBe(201);
    expect((await order(two.account, two.pool, 'buy', sku, start, end, 1, '12.00')).status).toBe(201);
    const paidOne = await cash(one.account);
    const paidTwo = await cash(two.account);
    await advanceBeating(start, doomed, other);
    // The first buyer's two instances on the doomed host, the second's one on the other.
    await server.operator.post(`/admin/v1/hosts/${other.hostId}/cordon`);
    for (const name of ['one-a', 'one-b']) expect((await one.account.post('/preview/v2/instances', { pool: one.pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name })).status).toBe(201);
    await eventually(() => hostsById(server), (hosts) => hosts.get(doomed.hostId).instances.length === 2);
    await server.operator.post(`/admin/v1/hosts/${other.hostId}/uncordon`);
    const kept = (await two.account.post('/preview/v2/instances', { pool: two.pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'two-a' })).body.id as string;
    await eventually(() => hostsById(server), (hosts) => hosts.get(other.hostId).instances.length === 1);
    await doomed.beat();
    await other.beat();

    await silenceUntil(server, [other], () => hostsById(server), (hosts) => hosts.get(doomed.hostId).status === 'down');
    const downAt = server.clock.now();
    const next = Math.floor(downAt / 60) * 60 + 60;
    // Nothing spare: the first buyer's idle two nodes are taken back for the next hour, and refunded at $12 a node-hour.
    await eventually(() => held(one.account, one.pool, sku, next), (nodes) => nodes === 0);
    expect(await held(one.account, one.pool, sku, next + hour - 60)).toBe(0);
    expect(await held(one.account, one.pool, sku, next + hour)).toBe(2);
    expect(await cash(one.account)).toBe(paidOne + 2 * 12 * 100);
    // v1's transactions know buys, sells and credits: a refund shows as a credit, its memo saying why.
    const refunds = ((await one.account.get('/v1/transactions')).body.data as any[]).filter((entry) => String(entry.details.memo ?? '').startsWith('Refund'));
    expect(refunds).toEqual([expect.objectContaining({ amount_cents: 2400, details: expect.objectContaining({ type: 'credit_grant', memo: `Refund: 2 node-hours of unbacked-short that host ${doomed.hostId} cannot deliver` }) })]);
    // The second buyer's instance runs on, its node and money untouched.
    expect(await held(two.account, two.pool, sku, next)).toBe(1);
    expect((await two.account.get(`/preview/v2/instances/${kept}`)).body.status).toBe('running');
    expect(await cash(two.account)).toBe(paidTwo);
    expect(await server.audit()).toEqual([]);

    // A minute later, still down: another minute is taken back (2 nodes × 1 minute × $12 = $0.40).
    await server.advance(60);
    await other.beat();
    await eventually(() => held(one.account, one.pool, sku, next + hour), (nodes) => nodes === 0);
    expect(await held(one.account, one.pool, sku, next + hour + 60)).toBe(2);
    expect(await cash(one.account)).toBe(paidOne + 2400 + 40);
    expect(await server.audit()).toEqual([]);

    // It comes back: it backs what is still sold (the buyer keeps the rest of its contract), and what was taken back is for sale again.
    expect((await doomed.beat()).status).toBe('ready');
    const back = Math.floor(server.clock.now() / 60) * 60 + 60;
    expect(await held(one.account, one.pool, sku, next + hour + 60)).toBe(2);
    expect(await held(one.account, one.pool, sku, end - 60)).toBe(2);
    expect(await held(provider, supply, sku, back)).toBe(2);
    expect(await held(provider, supply, sku, next + hour + 60)).toBe(0);
    expect(await held(provider, supply, sku, end)).toBe(3);
    expect(await server.audit()).toEqual([]);
  }, 120_000);

  it('takes back (and refunds) a drained window\'s sold node-time when the drain is set, and nothing outside it', async () => {
    const { sku, supply } = await suppliedSku('unbacked-drain');
    const { agent } = await newHostToken(server, 'drain');
    const host = new FakeAgent(agent, await register(agent, hostFacts('unbacked-drain', { node_count: 1 })));
    const start = Math.floor(server.clock.now() / 60) * 60 + 120;
    const { account, pool } = await buyer('drain-buyer');
    expect((await order(provider, supply, 'sell', sku, start, start + 4 * hour, 1, '12.00')).status).toBe(201);
    expect((await order(account, pool, 'buy', sku, start, start + 4 * hour, 1, '12.00')).status).toBe(201);
    const paid = await cash(account);
    await host.beat();
    const drained = await server.operator.post(`/admin/v1/hosts/${host.hostId}/drain`, { start_at: start + hour, end_at: start + 2 * hour });
    expect(drained.status).toBe(200);
    expect(await held(account, pool, sku, start)).toBe(1);
    expect(await held(account, pool, sku, start + hour)).toBe(0);
    expect(await held(account, pool, sku, start + 2 * hour - 60)).toBe(0);
    expect(await held(account, pool, sku, start + 2 * hour)).toBe(1);
    expect(await cash(account)).toBe(paid + 1200);
    expect(await server.audit()).toEqual([]);
  });
});
