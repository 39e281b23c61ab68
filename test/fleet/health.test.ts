// Health over HTTP, on both stores, on the manual clock: a host whose last heartbeat is older
// than down_after goes down, its instances fail, and their deployment replaces them on another
// host; a host that comes back is told to stop them. A removed host's instances fail and its
// agent is refused from then on.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type Store, StoreUnavailable } from '../../src/store/store.js';
import { testDialects } from '../support/stores.js';
import { eventually, FakeAgent, hostFacts, hostsById, newHostToken, occupiedNodes, register, silenceUntil, startFleetServer } from './fleet-support.js';

describe.each(testDialects)('fleet health on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;

  beforeAll(async () => {
    server = await startFleetServer(dialect, 30);
    account = await server.newAccount();
    sku = await server.newInstanceSku('health');
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'worker' })).status).toBe(201);
  });
  afterAll(() => server.close());

  async function deployment(name: string, count: number) {
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id as string;
    await server.issue(pool, sku, [{ start_at: Math.floor(server.clock.now() / 60) * 60, end_at: null, node_count: 8 }]);
    const created = await account.post('/preview/v2/deployments', { kind: 'generic', name, pool, instance_sku: sku, instance_template: 'worker', target_instance_count: count, instance_name_template: `${name}-{{nanoid(9)}}` });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  }

  async function statusOf(id: string) {
    return (await account.get(`/preview/v2/instances/${id}`)).body.status as string;
  }

  it('fails the instances of a host that stops heartbeating, and replaces them on another host', async () => {
    const { agent } = await newHostToken(server);
    const doomed = new FakeAgent(agent, await register(agent, hostFacts('health', { node_count: 2 })));
    const spare = new FakeAgent(agent, await register(agent, hostFacts('health', { node_count: 2 })));
    expect((await server.operator.post(`/admin/v1/hosts/${spare.hostId}/cordon`)).status).toBe(200);
    await deployment('web', 2);
    const placed = await eventually(() => hostsById(server), (hosts) => hosts.get(doomed.hostId).instances.length === 2);
    const lost = placed.get(doomed.hostId).instances.map((instance: any) => instance.id as string);
    await doomed.beat();
    await doomed.beat();
    expect([...doomed.guests.values()].map((guest) => guest.state)).toEqual(['running', 'running']);
    expect((await server.operator.post(`/admin/v1/hosts/${spare.hostId}/uncordon`)).status).toBe(200);
    // Both hosts supply the market.
    const provider = await server.newAccount('Health provider');
    const supplyPool = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'health-supply', kind: 'originating' })).body.id as string;
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: supplyPool })).status).toBe(200);
    const supplied = async () => {
      const pool = (await provider.get(`/preview/v2/pools/${supplyPool}`)).body;
      const rectangles = (pool.allocation_schedule.by_instance_sku[sku] ?? []) as { start_at: number; end_at: number | null; node_count: number }[];
      const at = Math.floor(server.clock.now() / 60) * 60 + 60;
      return rectangles.find((entry) => entry.start_at <= at && (entry.end_at === null || at < entry.end_at))?.node_count ?? 0;
    };
    expect(await supplied()).toBe(4);

    // The spare keeps heartbeating; the doomed host falls silent past down_after.
    const after = await silenceUntil(server, [spare], () => hostsById(server), (hosts) => hosts.get(doomed.hostId).status === 'down' && hosts.get(spare.hostId).instances.length === 2 && hosts.get(spare.hostId).instances.every((instance: any) => instance.status === 'running'));
    for (const id of lost) expect(await statusOf(id)).toBe('failed');
    const replacements = after.get(spare.hostId).instances.map((instance: any) => instance.id as string);
    for (const id of replacements) {
      expect(lost).not.toContain(id);
      expect(await statusOf(id)).toBe('running');
    }
    occupiedNodes(after);
    // The down host's nodes stay taken until its agent says its guests ended.
    expect(after.get(doomed.hostId).instances.map((instance: any) => instance.status)).toEqual(['failed', 'failed']);
    // Its node-time is retired from then on.
    await eventually(supplied, (nodes) => nodes === 2);
    expect(after.get(doomed.hostId).supplies_market).toBe(false);
    expect(await server.audit()).toEqual([]);

    // It comes back: ready again, and told to stop what it still runs; then its nodes are free.
    const back = await doomed.beat();
    expect(back.status).toBe('ready');
    expect(back.runs.map((run) => run.action)).toEqual(['stop', 'stop']);
    expect(await supplied()).toBe(4);
    // It reports them stopped: it is told to remove them, and once gone they leave its answers.
    expect((await doomed.beat()).runs.map((run) => run.action)).toEqual(['remove', 'remove']);
    expect((await doomed.beat()).runs).toEqual([]);
    const freed = (await server.operator.get(`/admin/v1/hosts/${doomed.hostId}`)).body;
    expect(freed).toMatchObject({ status: 'ready', instances: [] });
    const spareAnswer = await spare.beat();
    expect(spareAnswer.runs.filter((run) => run.action === 'run')).toHaveLength(2);
    expect(await server.audit()).toEqual([]);
  }, 120_000);

  it('fails an instance whose guest the agent reports failed, or no longer reports, and replaces it', async () => {
    const { agent } = await newHostToken(server);
    const host = new FakeAgent(agent, await register(agent, hostFacts('health', { node_count: 4 })));
    for (const other of (await hostsById(server)).values()) if (other.id !== host.hostId) await server.operator.post(`/admin/v1/hosts/${other.id}/cordon`);
    await deployment('batch', 2);
    await eventually(() => hostsById(server), (hosts) => hosts.get(host.hostId).instances.length === 2);
    await host.beat();
    await host.beat();
    const [first, second] = [...host.guests.keys()];
    host.guests.set(first!, { ...host.guests.get(first!)!, state: 'failed', failure: 'kernel panic' });
    host.guests.delete(second!);
    await host.beat();
    expect(await statusOf(first!)).toBe('failed');
    expect(await statusOf(second!)).toBe('failed');
    const replaced = await eventually(() => hostsById(server), (hosts) => hosts.get(host.hostId).instances.filter((instance: any) => instance.status === 'running').length === 2);
    occupiedNodes(replaced);
    expect(await server.audit()).toEqual([]);
  });

  it('removes a host: its instances fail, and its agent is refused from then on', async () => {
    const { agent } = await newHostToken(server);
    const host = new FakeAgent(agent, await register(agent, hostFacts('health', { node_count: 1 })));
    for (const other of (await hostsById(server)).values()) if (other.id !== host.hostId) await server.operator.post(`/admin/v1/hosts/${other.id}/cordon`);
    await deployment('solo', 1);
    const placed = await eventually(() => hostsById(server), (hosts) => hosts.get(host.hostId).instances.length === 1);
    const id = placed.get(host.hostId).instances[0].id as string;
    const removed = await server.operator.delete(`/admin/v1/hosts/${host.hostId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe('removed');
    expect(await statusOf(id)).toBe('failed');
    expect((await hostsById(server)).has(host.hostId)).toBe(false);
    expect((await server.operator.get(`/admin/v1/hosts/${host.hostId}`)).status).toBe(404);
    expect((await agent.post(`/agent/v1/hosts/${host.hostId}/heartbeat`, { runs: [] })).status).toBe(404);
    expect((await agent.post('/agent/v1/hosts', { ...hostFacts('health'), host_id: host.hostId })).status).toBe(404);
    expect((await server.operator.delete(`/admin/v1/hosts/${host.hostId}`)).status).toBe(404);
    expect(await server.audit()).toEqual([]);
  });
});

// allot's own outage is not the hosts' silence: on the real clock, with the database away for
// longer than down_after (no heartbeat can land, and no check can run), a host heard again
// within down_after of allot's return stays ready and keeps its instances; one that stays silent
// after the return goes down as ever.
describe.each(testDialects)('fleet health across an outage of allot on %s', (dialect) => {
  const downAfter = 5;
  let server: TestServer;
  let away = false;

  beforeAll(async () => {
    server = await startTestServer(dialect, { clock: 'real', fleet: { downAfterSeconds: downAfter, heartbeatIntervalSeconds: 1 }, wrapStore: (store) => awayWhile(store, () => away) });
  });
  afterAll(() => server.close());

  it('gives every host down_after from the moment allot watches again', async () => {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku('outage');
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'worker' })).status).toBe(201);
    const { agent } = await newHostToken(server);
    const heard = new FakeAgent(agent, await register(agent, hostFacts('outage', { node_count: 1 })));
    const silent = new FakeAgent(agent, await register(agent, hostFacts('outage', { node_count: 1 })));
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'outage' })).body.id as string;
    await server.issue(pool, sku, [{ start_at: Math.floor(Date.now() / 60_000) * 60, end_at: null, node_count: 2 }]);
    const created = await account.post('/preview/v2/deployments', { kind: 'generic', name: 'outage', pool, instance_sku: sku, instance_template: 'worker', target_instance_count: 2, instance_name_template: 'outage-{{nanoid(9)}}' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await eventually(() => hostsById(server), (hosts) => hosts.get(heard.hostId).instances.length === 1 && hosts.get(silent.hostId).instances.length === 1);
    for (const host of [heard, silent]) {
      await host.beat();
      await host.beat();
    }

    // The fleet worker says once that it waits for the database, and once that it resumed: not a
    // stack at every check and pass while it is away.
    const warned = vi.spyOn(console, 'warn');
    const failed = vi.spyOn(console, 'error');
    const said = (spy: typeof warned, start: string) => spy.mock.calls.filter(([message]) => typeof message === 'string' && message.startsWith(start)).length;
    away = true;
    await sleep((downAfter + 2) * 1000);
    away = false;
    // Checks run again (every second) before either agent is heard: neither host is down yet.
    await sleep(1500);
    await eventually(async () => said(warned, 'fleet worker resumed'), (resumed) => resumed > 0);
    expect([said(warned, 'fleet worker paused'), said(warned, 'fleet worker resumed'), said(failed, 'fleet worker')]).toEqual([1, 1, 0]);
    warned.mockRestore();
    failed.mockRestore();
    const back = await heard.beat();
    expect(back.status).toBe('ready');
    expect(back.runs.map((run) => run.action)).toEqual(['run']);
    const [id] = [...heard.guests.keys()];
    expect((await account.get(`/preview/v2/instances/${id}`)).body.status).toBe('running');

    // The silent host is judged from allot's return: down once down_after has passed since,
    // while the heard one, beating on, stays up.
    let beating = true;
    const beats = (async () => {
      while (beating) {
        await heard.beat();
        await sleep(500);
      }
    })();
    const after = await eventually(() => hostsById(server), (hosts) => hosts.get(silent.hostId).status === 'down');
    beating = false;
    await beats;
    expect(after.get(heard.hostId).status).not.toBe('down');
    expect(await server.audit()).toEqual([]);
  });
});

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** The store, as if its database were unreachable whenever `isAway()` says so. */
function awayWhile(store: Store, isAway: () => boolean): Store {
  const check = () => {
    if (isAway()) throw new StoreUnavailable(new Error('the test took the database away'));
  };
  return {
    dialect: store.dialect,
    transaction: async (work) => (check(), store.transaction(work)),
    read: async (work) => (check(), store.read(work)),
    readCached: async (key, work, scope) => (check(), store.readCached(key, work, scope)),
    untilHeardEverywhere: () => store.untilHeardEverywhere(),
    isLeader: () => store.isLeader(),
    holdsLeadership: () => store.holdsLeadership(),
    exclusively: (name, work) => store.exclusively(name, work),
    close: () => store.close(),
  };
}
