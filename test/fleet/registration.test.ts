// Host tokens and registration over HTTP, on both stores: a token is shown once and stored
// hashed; an agent registers a host and re-registers it by id; bad agent input (no, wrong or
// revoked token, another token's host id, malformed reports) is refused and changes nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { createHostTokenOperation, heartbeatOperation, listHostsOperation, listHostTokensOperation, registerHostOperation, revokeHostTokenOperation, sendLogsOperation } from '../../src/domain/fleet/operations.js';
import { walk } from '../support/failure-order.js';
import { beat, eventually, hostFacts, hostsById, newHostToken, register, startFleetServer } from './fleet-support.js';

describe.each(testDialects)('fleet registration on %s', (dialect) => {
  let server: TestServer;
  let sku: string;

  beforeAll(async () => {
    server = await startFleetServer(dialect);
    sku = await server.newInstanceSku('fleet-reg');
  });
  afterAll(() => server.close());

  async function hosts() {
    const listed = await server.operator.get('/admin/v1/hosts?limit=200');
    expect(listed.status).toBe(200);
    return listed.body.data as any[];
  }

  it('creates, lists and revokes host tokens, showing the token once', async () => {
    const { id, token } = await newHostToken(server, 'rack-a');
    expect(token).toMatch(/^allot_host_/);
    const listed = await server.operator.get('/admin/v1/host_tokens');
    const found = listed.body.data.find((entry: any) => entry.id === id);
    expect(found).toMatchObject({ object: 'host_token', name: 'rack-a', revoked_at: null, suffix: token.slice(-4) });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const revoked = await server.operator.delete(`/admin/v1/host_tokens/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBe(server.clock.now());
    expect((await server.operator.delete('/admin/v1/host_tokens/htok_nope')).status).toBe(404);
    expect((await server.operator.post('/admin/v1/host_tokens', { name: '' })).status).toBe(400);
    expect((await server.anonymous.post('/admin/v1/host_tokens', { name: 'x' })).status).toBe(401);
  });

  it('registers a host, and the same host again by its id', async () => {
    const { agent, id: tokenId } = await newHostToken(server);
    const facts = hostFacts('fleet-reg');
    const registered = await agent.post('/agent/v1/hosts', facts);
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({ heartbeat_interval_seconds: 5, down_after_seconds: 30 });
    const hostId = registered.body.host_id;
    const host = (await server.operator.get(`/admin/v1/hosts/${hostId}`)).body;
    expect(host).toMatchObject({ object: 'host', id: hostId, hostname: facts.hostname, address: facts.address, status: 'ready', node_count: 2, token: tokenId, instance_sku: { id: sku }, instances: [], maintenance: null, supplies_market: false, driver: 'sandbox' });
    await server.advance(10);
    const again = await register(agent, { ...facts, host_id: hostId, hostname: 'renamed' });
    expect(again).toBe(hostId);
    const after = (await server.operator.get(`/admin/v1/hosts/${hostId}`)).body;
    expect(after).toMatchObject({ hostname: 'renamed', last_heartbeat_at: server.clock.now(), registered_at: host.registered_at });
    expect((await hosts()).filter((entry) => entry.id === hostId)).toHaveLength(1);
  });

  it('refuses bad agent input and changes nothing', async () => {
    const mine = await newHostToken(server, 'mine');
    const theirs = await newHostToken(server, 'theirs');
    const hostId = await register(mine.agent, hostFacts('fleet-reg'));
    const before = JSON.stringify(await hosts());

    // No token, a wrong one, an account's, the operator's.
    expect((await server.anonymous.post('/agent/v1/hosts', hostFacts('fleet-reg'))).status).toBe(401);
    expect((await server.anonymous.withToken('allot_host_wrong').post('/agent/v1/hosts', hostFacts('fleet-reg'))).status).toBe(401);
    const account = await server.newAccount();
    expect((await account.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs: [] })).status).toBe(401);
    expect((await server.operator.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs: [] })).status).toBe(401);
    // A wrong token is refused before the body is looked at.
    expect((await server.anonymous.withToken('allot_host_wrong').post('/agent/v1/hosts', { nonsense: true })).status).toBe(401);

    // Another token's host id: not found, for registration, heartbeat and logs alike.
    const claimed = await theirs.agent.post('/agent/v1/hosts', { ...hostFacts('fleet-reg'), host_id: hostId, hostname: 'stolen' });
    expect(claimed.status).toBe(404);
    expect(claimed.body.error.type).toBe('not_found');
    expect((await theirs.agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs: [] })).status).toBe(404);
    expect((await theirs.agent.post(`/agent/v1/hosts/${hostId}/logs`, { instance_id: 'inst_x', chunks: [] })).status).toBe(404);
    expect((await mine.agent.post('/agent/v1/hosts/host_nope/heartbeat', { runs: [] })).status).toBe(404);

    // Malformed registrations and reports.
    const malformed = [
      { ...hostFacts('fleet-reg'), node_count: 0 },
      { ...hostFacts('fleet-reg'), node_count: 'two' },
      { ...hostFacts('fleet-reg'), driver: 'docker' },
      { ...hostFacts('fleet-reg'), extra: 1 },
      { ...hostFacts('fleet-reg'), hostname: undefined },
    ];
    for (const body of malformed) {
      const refused = await mine.agent.post('/agent/v1/hosts', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.type).toBe('invalid_request_error');
    }
    expect((await mine.agent.post('/agent/v1/hosts', hostFacts('no-such-sku'))).status).toBe(404);
    for (const runs of [[{ instance_id: 'inst_a', state: 'dancing' }], [{ instance_id: 'inst_a', state: 'running', ssh_port: 70000 }], [{ state: 'running' }], 'none', [{ instance_id: 'inst_a', state: 'running' }, { instance_id: 'inst_a', state: 'running' }]]) {
      const refused = await mine.agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs });
      expect(refused.status, JSON.stringify(runs)).toBe(400);
    }
    expect((await mine.agent.raw('POST', `/agent/v1/hosts/${hostId}/heartbeat`, '{"runs": [')).status).toBe(400);
    expect((await mine.agent.post(`/agent/v1/hosts/${hostId}/logs`, { instance_id: 'inst_x', chunks: [{ seqnum: 1, at: 0, data_base64: '***' }] })).status).toBe(400);
    expect((await mine.agent.post(`/agent/v1/hosts/${hostId}/logs`, { instance_id: 'inst_x', chunks: [{ seqnum: 1, at: 0, data_base64: 'aGk=' }] })).status).toBe(404);

    expect(JSON.stringify(await hosts())).toBe(before);

    // A revoked token is refused from then on.
    await server.operator.delete(`/admin/v1/host_tokens/${mine.id}`);
    expect((await mine.agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs: [] })).status).toBe(401);
    expect(JSON.stringify(await hosts())).toBe(before);
  });

  it('takes a host whose accelerators are its SKU\'s, as nvidia-smi names them, and refuses one whose are not, changing nothing', async () => {
    const { agent } = await newHostToken(server, 'gpus');
    // The SKU: h100, 8 per node. nvidia-smi's names, one a GPU, are grouped by the agent.
    const hostId = await register(agent, hostFacts('fleet-reg', { node_count: 2, accelerators: [{ model: 'NVIDIA H100 80GB HBM3', count: 16 }] }));
    const before = JSON.stringify(await hosts());
    const refusals: [Record<string, unknown>, string, RegExp][] = [
      [{ accelerators: [{ model: 'NVIDIA A100-SXM4-80GB', count: 16 }] }, 'invalid_value', /"NVIDIA A100-SXM4-80GB" is not the SKU's accelerator \(h100\)/],
      [{ accelerators: [{ model: 'H200', count: 16 }] }, 'invalid_value', /H200/],
      [{ accelerators: [{ model: 'H100', count: 8 }, { model: 'L4', count: 8 }] }, 'invalid_value', /"L4"/],
      [{ accelerators: [{ model: 'H100', count: 8 }] }, 'count_mismatch', /reports 8 accelerators \(H100×8\); its SKU needs 8 per node × 2 nodes = 16/],
      [{ accelerators: [{ model: 'H100', count: 24 }] }, 'count_mismatch', /= 16/],
      [{ accelerators: [] }, 'count_mismatch', /reports 0 accelerators \(none\)/],
    ];
    for (const [change, code, message] of refusals) {
      // A new host, and the registered one coming back with other hardware: both refused.
      for (const hostIdSent of [null, hostId]) {
        const refused = await agent.post('/agent/v1/hosts', { ...hostFacts('fleet-reg', { node_count: 2 }), ...change, host_id: hostIdSent });
        expect(refused.status, JSON.stringify(change)).toBe(400);
        expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', details: [{ field: 'accelerators', code }] });
        expect(refused.body.error.message).toMatch(message);
      }
    }
    // The same count on more nodes is too few per node.
    const fewer = await agent.post('/agent/v1/hosts', hostFacts('fleet-reg', { node_count: 4, accelerators: [{ model: 'H100', count: 16 }] }));
    expect([fewer.status, fewer.body.error.details[0].code]).toEqual([400, 'count_mismatch']);
    expect(JSON.stringify(await hosts())).toBe(before);
    // A SKU that names no accelerator and no count takes any host; one that names a model but no count takes any number of it, not none.
    await server.newInstanceSku('fleet-reg-any', { accelerator: null, num_accelerators: null });
    await register(agent, hostFacts('fleet-reg-any', { accelerators: [] }));
    await register(agent, hostFacts('fleet-reg-any', { accelerators: [{ model: 'L4', count: 3 }] }));
    await server.newInstanceSku('fleet-reg-model', { num_accelerators: null });
    await register(agent, hostFacts('fleet-reg-model', { accelerators: [{ model: 'H100', count: 3 }] }));
    const none = await agent.post('/agent/v1/hosts', hostFacts('fleet-reg-model', { accelerators: [] }));
    expect([none.status, none.body.error.details[0].code]).toEqual([400, 'count_mismatch']);
  });

  it('answers a heartbeat with nothing to run for a host with no instances', async () => {
    const { agent } = await newHostToken(server);
    const hostId = await register(agent, hostFacts('fleet-reg'));
    const answer = await beat(agent, hostId, [{ instance_id: 'inst_unknown', state: 'running' }]);
    expect(answer).toMatchObject({ host_id: hostId, status: 'ready', runs: [] });
    expect(await server.audit()).toEqual([]);
  });
  it('answers the first of several faults, in the order each operation declares', async () => {
    const mine = await newHostToken(server, 'order-mine');
    const theirs = await newHostToken(server, 'order-theirs');
    const hostId = await register(theirs.agent, hostFacts('fleet-reg'));
    // Registration: the token, the driver, the SKU, the accelerators, the host id.
    const facts = hostFacts('fleet-reg');
    await walk(registerHostOperation, (fixed) => (fixed > 0 ? mine.agent : server.anonymous).post('/agent/v1/hosts', {
      ...facts,
      driver: fixed > 1 ? 'sandbox' : 'docker',
      instance_sku: fixed > 2 ? 'fleet-reg' : 'no-such-sku',
      accelerators: fixed > 3 ? facts.accelerators : [],
      host_id: fixed > 4 ? null : hostId,
    }), [/Missing host token/, /driver/i, /No instance SKU "no-such-sku"/, /accelerator/i, new RegExp(`No host ${hostId}`)], 200);
    // Drain: the host before the window.
    const now = server.clock.now();
    expect((await server.operator.post('/admin/v1/hosts/host_nope/drain', { start_at: now + 1, end_at: now })).status).toBe(404);
    expect((await server.operator.post(`/admin/v1/hosts/${hostId}/drain`, { start_at: now + 1, end_at: now })).status).toBe(400);
    // Supply: the SKU before the pool.
    expect((await server.operator.put('/admin/v1/fleet/instance_skus/isku_nope', { supply_pool: 'pool_nope' })).body.error.message).toContain('instance SKU');
    expect((await server.operator.put(`/admin/v1/fleet/instance_skus/${sku}`, { supply_pool: 'pool_nope' })).status).toBe(404);
  });

  it('walks the host tokens\' and the lists\' failures in declared order', async () => {
    await walk(createHostTokenOperation, (fixed) => server.operator.post('/admin/v1/host_tokens', { name: fixed > 0 ? 'walked' : '   ' }), [/needs a name/], 201);
    const { id } = await newHostToken(server, 'to-revoke');
    await walk(revokeHostTokenOperation, (fixed) => server.operator.delete(`/admin/v1/host_tokens/${fixed > 0 ? id : 'htok_nosuchtoken'}`), [/No host token/], 200);
    await walk(listHostTokensOperation, (fixed) => server.operator.get(`/admin/v1/host_tokens${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
    await walk(listHostsOperation, (fixed) => server.operator.get(`/admin/v1/hosts${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
  });

  it('walks the heartbeat\'s and the console logs\' failures in declared order', async () => {
    const walkSku = await server.newInstanceSku('fleet-walk');
    const mine = await newHostToken(server, 'walk-mine');
    const theirs = await newHostToken(server, 'walk-theirs');
    const hostId = await register(mine.agent, hostFacts('fleet-walk', { node_count: 1 }));
    const otherHost = await register(theirs.agent, hostFacts('fleet-reg'));
    const twice = [{ instance_id: 'inst_twice', state: 'running' }, { instance_id: 'inst_twice', state: 'running' }];
    // The token, then the reports, then the host (another token's host is not found).
    await walk(heartbeatOperation, (fixed) => (fixed > 0 ? mine.agent : server.anonymous).post(`/agent/v1/hosts/${fixed > 2 ? hostId : otherHost}/heartbeat`, { runs: fixed > 1 ? [] : twice }), [/Missing host token/, /reported twice/, new RegExp(`No host ${otherHost}`)], 200);

    // An instance placed on the host, for the logs to be of.
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'walk' })).body.id as string;
    await server.issue(pool, walkSku, [{ start_at: Math.floor(server.clock.now() / 60) * 60, end_at: null, node_count: 1 }]);
    const created = await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: walkSku, name: 'walk-logs' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const instance = created.body.id as string;
    await eventually(() => hostsById(server), (hosts) => hosts.get(hostId)?.instances.some((placed: any) => placed.id === instance));
    const chunk = (data: string) => ({ seqnum: 1, at: server.clock.now(), data_base64: data });
    await walk(sendLogsOperation, (fixed) => (fixed > 0 ? mine.agent : server.anonymous).post(`/agent/v1/hosts/${fixed > 2 ? hostId : otherHost}/logs`, {
      instance_id: fixed > 3 ? instance : 'inst_elsewhere',
      chunks: [chunk(fixed > 1 ? Buffer.from('hello').toString('base64') : 'not base64!')],
    }), [/Missing host token/, /base64/, new RegExp(`No host ${otherHost}`), /No instance inst_elsewhere/], 204);
  });
});
