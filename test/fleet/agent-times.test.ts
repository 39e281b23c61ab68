// The times agents report, over HTTP on both stores, on the manual clock: an agent's clock need
// not be allot's, so each reported time is read as its age at the heartbeat's `sent_at` and counted
// back from allot's now, never before allot asked for the run nor after now. The instance's
// started_at becomes its guest's start, its ended_at the guest's end where that is earlier than
// allot's; the host shows both clocks and its instances' guest times. A retried heartbeat that a
// newer one overtook is answered, but what it says is not recorded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { eventually, hostFacts, hostsById, newHostToken, register, startFleetServer } from './fleet-support.js';

describe.each(testDialects)('agent times on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;

  beforeAll(async () => {
    server = await startFleetServer(dialect, 10 ** 6);
    account = await server.newAccount();
    sku = await server.newInstanceSku('agent-times');
  });
  afterAll(() => server.close());

  /** The instance's started_at and ended_at as v0 shows them (ISO), in Unix seconds. */
  async function instanceTimes(id: string) {
    const shown = (await account.get(`/v0/instances/${id}`)).body;
    const seconds = (iso: string | null) => (iso === null ? null : Date.parse(iso) / 1000);
    return { started_at: seconds(shown.started_at), ended_at: seconds(shown.ended_at) };
  }

  it('places reported times on allot\'s clock, and the instance\'s start and end follow its guest\'s', async () => {
    const { agent } = await newHostToken(server);
    const hostId = await register(agent, hostFacts('agent-times', { node_count: 2 }));
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'times' })).body.id as string;
    await server.issue(pool, sku, [{ start_at: Math.floor(server.clock.now() / 60) * 60, end_at: null, node_count: 2 }]);
    const created = await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'timed' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const askedAt = server.clock.now();
    await eventually(() => hostsById(server), (hosts) => hosts.get(hostId).instances.length === 1);
    const beat = (body: Record<string, unknown>) => agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, body);

    // The agent's clock is days off allot's.
    const agentNow = 1_500_000_000;
    expect((await beat({ sent_at: agentNow, runs: [] })).status).toBe(200);
    await server.advance(40);
    const now = server.clock.now();
    // Started 12 s, ready 5 s before this heartbeat was sent, by the agent's clock.
    const running = { instance_id: id, state: 'running', ssh_port: 2201, started_at: agentNow + 28, ready_at: agentNow + 35 };
    expect((await beat({ sent_at: agentNow + 40, runs: [running] })).status).toBe(200);
    const host = (await server.operator.get(`/admin/v1/hosts/${hostId}`)).body;
    expect(host).toMatchObject({ last_heartbeat_at: now, last_heartbeat_sent_at: agentNow + 40 });
    expect(host.instances).toEqual([expect.objectContaining({ id, started_at: now - 12, ready_at: now - 5, ended_at: null })]);
    expect(await instanceTimes(id)).toEqual({ started_at: now - 12, ended_at: null });
    // Fixed by the first report: later heartbeats (the manual clock still, the agent's moving) do not move them.
    expect((await beat({ sent_at: agentNow + 50, runs: [running] })).status).toBe(200);
    expect((await server.operator.get(`/admin/v1/hosts/${hostId}`)).body.instances[0]).toMatchObject({ started_at: now - 12, ready_at: now - 5 });

    // A retry the last heartbeat overtook, which no longer names the guest: answered, and nothing changes.
    const overtaken = await beat({ sent_at: agentNow + 45, runs: [] });
    expect(overtaken.status).toBe(200);
    expect((await account.get(`/preview/v2/instances/${id}`)).body.status).toBe('running');
    expect((await server.operator.get(`/admin/v1/hosts/${hostId}`)).body.last_heartbeat_sent_at).toBe(agentNow + 50);

    // The guest crashed 20 s before the heartbeat that says so: the instance failed then, not when allot heard.
    await server.advance(60);
    const later = server.clock.now();
    expect((await beat({ sent_at: agentNow + 130, runs: [{ ...running, state: 'failed', failure: 'kernel panic', ended_at: agentNow + 110 }] })).status).toBe(200);
    expect((await account.get(`/preview/v2/instances/${id}`)).body.status).toBe('failed');
    expect(await instanceTimes(id)).toEqual({ started_at: now - 12, ended_at: later - 20 });
    expect(now - 12).toBeGreaterThanOrEqual(askedAt);
    expect(await server.audit()).toEqual([]);
  });

  it('never places a guest\'s time before allot asked for it, nor after now', async () => {
    const { agent } = await newHostToken(server);
    const hostId = await register(agent, hostFacts('agent-times', { node_count: 1 }));
    for (const other of (await hostsById(server)).values()) if (other.id !== hostId) await server.operator.post(`/admin/v1/hosts/${other.id}/cordon`);
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'clamped' })).body.id as string;
    await server.issue(pool, sku, [{ start_at: Math.floor(server.clock.now() / 60) * 60, end_at: null, node_count: 1 }]);
    const id = (await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'clamped' })).body.id as string;
    const askedAt = server.clock.now();
    await eventually(() => hostsById(server), (hosts) => hosts.get(hostId).instances.length === 1);
    // Started a day before it was sent, ready "in the future" of the send time.
    const sentAt = 1_600_000_000;
    await agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, { sent_at: sentAt, runs: [{ instance_id: id, state: 'running', started_at: sentAt - 86_400, ready_at: sentAt + 3600 }] });
    const entry = (await server.operator.get(`/admin/v1/hosts/${hostId}`)).body.instances[0];
    expect(entry).toMatchObject({ started_at: askedAt, ready_at: server.clock.now() });
    // Without sent_at (an older agent) the times are not read.
    const { agent: old } = await newHostToken(server);
    const oldHost = await register(old, hostFacts('agent-times', { node_count: 1 }));
    expect((await old.post(`/agent/v1/hosts/${oldHost}/heartbeat`, { runs: [] })).status).toBe(200);
    expect((await server.operator.get(`/admin/v1/hosts/${oldHost}`)).body.last_heartbeat_sent_at).toBeNull();
    expect((await old.post(`/agent/v1/hosts/${oldHost}/heartbeat`, { sent_at: 'now', runs: [] })).status).toBe(400);
  });
});
