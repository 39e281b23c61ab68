// Placement over HTTP, on both stores: instances that start are placed on hosts of their SKU
// with a free node, never two on one node and never on a cordoned or draining host; the rest wait
// and are placed once a node frees. Agents (the test, calling the agent API) learn what to run
// from heartbeats; instances' SSH details and logs are what the agents reported.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { eventually, FakeAgent, hostFacts, hostsById, newHostToken, occupiedNodes, register, startFleetServer } from './fleet-support.js';

const image = 'ubuntu-22.04-cuda-12.4';

describe.each(testDialects)('fleet placement on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let skuA: string;
  let skuB: string;

  beforeAll(async () => {
    // Hosts stay up however far the tests move the manual clock.
    server = await startFleetServer(dialect, 10 ** 6);
    account = await server.newAccount();
    skuA = await server.newInstanceSku('place-a');
    skuB = await server.newInstanceSku('place-b');
  });
  afterAll(() => server.close());

  async function newPool(name: string, sku: string, nodes: number) {
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id as string;
    await server.issue(pool, sku, [{ start_at: server.clock.now(), end_at: null, node_count: nodes }]);
    return pool;
  }

  async function launch(pool: string, sku: string, name: string) {
    const created = await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  }

  it('places instances on hosts of their SKU, one per node, the least loaded first; the rest wait for a node', async () => {
    const { agent } = await newHostToken(server);
    const a1 = await register(agent, hostFacts('place-a', { node_count: 2 }));
    const a2 = await register(agent, hostFacts('place-a', { node_count: 1 }));
    const b1 = await register(agent, hostFacts('place-b', { node_count: 2 }));
    const pool = await newPool('place-a-pool', skuA, 5);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push(await launch(pool, skuA, `a-${index}`));
    const hosts = await eventually(() => hostsById(server), (found) => occupiedNodes(found).size === 3);
    const nodes = occupiedNodes(hosts);
    expect(hosts.get(a1).instances).toHaveLength(2);
    expect(hosts.get(a2).instances).toHaveLength(1);
    expect(hosts.get(b1).instances).toHaveLength(0);
    // Least loaded, then smallest id: the first two go to different hosts.
    const first = [...nodes.entries()].find(([, id]) => id === ids[0])![0];
    const second = [...nodes.entries()].find(([, id]) => id === ids[1])![0];
    expect(first.split('/')[0]).not.toBe(second.split('/')[0]);
    const waiting = ids.filter((id) => ![...nodes.values()].includes(id));
    expect(waiting).toHaveLength(2);

    // The agents learn what to run; each start is asked once, with a launch spec.
    const agentA1 = new FakeAgent(agent, a1, 2200);
    const answer = await agentA1.beat();
    expect(answer.runs).toHaveLength(2);
    for (const run of answer.runs) {
      expect(run.action).toBe('run');
      expect(run.launch).toMatchObject({ instance_id: run.instance_id, instance_sku: 'place-a', node_index: run.node_index, image: { name: image, url: null }, forward_443: false });
    }
    const again = await agentA1.beat();
    expect(again.runs.map((run) => [run.action, run.launch])).toEqual([['run', null], ['run', null]]);

    // What the agent reported is how clients reach the instance.
    const placedId = answer.runs[0]!.instance_id;
    const ssh = await account.get(`/preview/v2/instances/${placedId}/ssh`);
    expect(ssh.status).toBe(200);
    expect(ssh.body).toMatchObject({ hostname: hosts.get(a1).address, port: agentA1.guests.get(placedId)!.ssh_port, host_keys: [{ key_type: 'ssh-ed25519' }] });
    const host = (await server.operator.get(`/admin/v1/hosts/${a1}`)).body;
    expect(host.instances.find((entry: any) => entry.id === placedId)).toMatchObject({ status: 'running', state: 'running', ssh: { hostname: hosts.get(a1).address } });

    // Console output the agent sends is the instance's log, kept once per seqnum.
    const chunks = [{ seqnum: 1, at: server.clock.now(), data_base64: Buffer.from('booting\n').toString('base64') }, { seqnum: 2, at: server.clock.now(), data_base64: Buffer.from('ready\n').toString('base64') }];
    expect((await agent.post(`/agent/v1/hosts/${a1}/logs`, { instance_id: placedId, chunks })).status).toBe(204);
    expect((await agent.post(`/agent/v1/hosts/${a1}/logs`, { instance_id: placedId, chunks: [{ ...chunks[0], data_base64: Buffer.from('other\n').toString('base64') }] })).status).toBe(204);
    const logs = await account.get(`/preview/v2/instances/${placedId}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body.data.map((line: any) => Buffer.from(line.data, 'base64').toString())).toEqual(['booting\n', 'ready\n']);
    // Another host cannot write this instance's logs.
    expect((await agent.post(`/agent/v1/hosts/${b1}/logs`, { instance_id: placedId, chunks })).status).toBe(404);

    // An instance that ends frees its node once the agent reports its guest stopped; a waiting one takes it.
    expect((await account.post(`/preview/v2/instances/${placedId}/terminate`)).status).toBe(200);
    const stopping = await agentA1.beat();
    expect(stopping.runs.find((run) => run.instance_id === placedId)?.action).toBe('stop');
    expect(occupiedNodes(await hostsById(server)).size).toBe(3);
    await agentA1.beat();
    const refilled = await eventually(() => hostsById(server), (found) => [...occupiedNodes(found).values()].some((id) => waiting.includes(id)));
    expect(occupiedNodes(refilled).size).toBe(3);
    expect(await server.audit()).toEqual([]);
  });

  it('places nothing on a cordoned or draining host, and again once uncordoned', async () => {
    const { agent } = await newHostToken(server);
    const cordoned = await register(agent, hostFacts('place-b', { node_count: 4 }));
    const draining = await register(agent, hostFacts('place-b', { node_count: 4 }));
    const others = [...(await hostsById(server)).values()].filter((host) => host.instance_sku.id === skuB && host.id !== cordoned && host.id !== draining);
    for (const host of others) expect((await server.operator.post(`/admin/v1/hosts/${host.id}/cordon`)).status).toBe(200);
    expect((await server.operator.post(`/admin/v1/hosts/${cordoned}/cordon`)).body.status).toBe('cordoned');
    const now = server.clock.now();
    const drained = await server.operator.post(`/admin/v1/hosts/${draining}/drain`, { start_at: now + 3600, end_at: now + 7200 });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ status: 'draining', maintenance: { start_at: now + 3600, end_at: now + 7200 } });
    const pool = await newPool('place-b-pool', skuB, 2);
    const id = await launch(pool, skuB, 'b-0');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...occupiedNodes(await hostsById(server)).values()]).not.toContain(id);
    expect((await server.operator.post(`/admin/v1/hosts/${cordoned}/uncordon`)).body.status).toBe('ready');
    const placed = await eventually(() => hostsById(server), (found) => found.get(cordoned).instances.some((instance: any) => instance.id === id));
    expect(placed.get(draining).instances).toEqual([]);
    // Bad operator input changes nothing.
    expect((await server.operator.post(`/admin/v1/hosts/${draining}/drain`, { start_at: now + 61, end_at: now + 7200 })).status).toBe(400);
    expect((await server.operator.post(`/admin/v1/hosts/${draining}/drain`, { start_at: now + 7200, end_at: now + 3600 })).status).toBe(400);
    expect((await server.operator.post('/admin/v1/hosts/host_nope/cordon')).status).toBe(404);
    expect((await server.operator.get(`/admin/v1/hosts/${draining}`)).body.maintenance).toEqual({ start_at: now + 3600, end_at: now + 7200 });
    expect(await server.audit()).toEqual([]);
  });
  it('hands the agent a signed download URL of an uploaded image, which needs no token', async () => {
    const bytes = Buffer.from('a disk image, as far as this test cares');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const created = await account.post('/preview/v2/images', { workspace: 'default', name: 'fleet-disk' });
    const part = await account.post(`/preview/v2/images/${created.body.id}/parts`, { part_id: 1 });
    const put = await fetch(part.body.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
    await put.arrayBuffer();
    expect(put.status).toBe(200);
    expect((await account.post(`/preview/v2/images/${created.body.id}/complete`, { sha256 })).status).toBe(200);
    const skuImage = await server.newInstanceSku('place-image');
    const { agent } = await newHostToken(server);
    const hostId = await register(agent, hostFacts('place-image', { node_count: 1, driver: 'qemu' }));
    const pool = await newPool('image-pool', skuImage, 1);
    const userData = Buffer.from('#!/bin/sh\necho hi\n').toString('base64');
    const made = await account.post('/preview/v2/instances', { pool, image: 'fleet-disk', instance_sku: skuImage, name: 'booted', cloud_init_user_data: userData });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await eventually(() => hostsById(server), (hosts) => hosts.get(hostId).instances.length === 1);
    const answer = await new FakeAgent(agent, hostId).beat();
    const launch = answer.runs[0]!.launch!;
    expect(launch).toMatchObject({ instance_id: made.body.id, hostname: 'booted', user_data_base64: userData, image: { id: created.body.id, name: 'fleet-disk', sha256, size_bytes: bytes.length } });
    expect(launch.image.url).toMatch(/\/downloads\/images\/.+\?expires=\d+&signature=/);
    const downloaded = await fetch(launch.image.url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(bytes);
  });
});
