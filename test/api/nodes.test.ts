// The v1 nodes API, zones and VMs, through the official SDK (`@sfcompute/nodes-sdk-alpha`) against
// a live allot on the manual clock, every response validated against the served document. Each
// scenario is checked through the v2 API too: the same pools, allocation, orders and instances.

import SFCNodes from '@sfcompute/nodes-sdk-alpha';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, validatingFetch } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Account = ApiClient & { accountId: string };
const hour = 3600;

describe.each(testDialects)('v1 nodes through the official SDK on %s', (dialect) => {
  let server: TestServer;
  let richmond: string;
  let hayes: string;
  let provider: Account;
  let supply: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    richmond = await server.newInstanceSku('node-h100-richmond', { region: 'us-west', availability_zone: 'richmond', accelerator: 'h100', rdma_type: 'infiniband' });
    hayes = await server.newInstanceSku('node-h200-hayes', { region: 'us-west', availability_zone: 'hayesvalley', accelerator: 'h200', rdma_type: 'roce' });
    provider = await server.newAccount('Node provider');
    supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id;
    const now = server.clock.now();
    for (const sku of [richmond, hayes]) await server.issue(supply, sku, [{ start_at: now, end_at: now + 7 * 24 * hour, node_count: 20 }]);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function ask(sku: string, start: number, end: number, nodes: number, price: string): Promise<string> {
    const order = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
    expect(order.status).toBe(201);
    return order.body.id;
  }

  /** Takes every ask of the SKU off the book. */
  async function withdrawAsks(sku: string): Promise<void> {
    const resting = (await provider.get('/preview/v2/orders?side=sell&status=standing&status=partially_filled&limit=200')).body.data;
    for (const order of resting.filter((order: { instance_sku: { id: string } }) => order.instance_sku.id === sku)) await provider.delete(`/preview/v2/orders/${order.id}`);
  }

  async function customer(dollars = 10_000): Promise<{ account: Account; sdk: SFCNodes }> {
    const account = await server.newAccount();
    if (dollars > 0) await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: dollars });
    const sdk = new SFCNodes({ baseURL: server.baseUrl, bearerToken: account.token, fetch: validatingFetch(server.baseUrl), maxRetries: 0 });
    return { account, sdk };
  }

  async function v2Pool(account: ApiClient, name: string) {
    return (await account.get(`/preview/v2/pools/${name}`)).body;
  }

  async function cents(account: ApiClient): Promise<number> {
    return (await account.get('/v1/balances')).body.available_balance_cents;
  }

  it('lists zones from the catalogue, with what the market offers in each', async () => {
    const now = server.clock.now();
    const askId = await ask(hayes, now, now + 2 * hour, 3, '24.00');
    const { sdk } = await customer(0);
    const zones = await sdk.zones.list();
    expect(zones.object).toBe('list');
    expect(zones.data.map((zone) => [zone.name, zone.hardware_type, zone.interconnect_type, zone.region, zone.delivery_type])).toEqual([
      ['richmond', 'H100', 'Infiniband', 'NorthAmerica', 'VM'],
      ['hayesvalley', 'H200', 'None', 'NorthAmerica', 'VM'],
    ]);
    const zone = await sdk.zones.get('hayesvalley');
    expect(zone).toMatchObject({ object: 'zone', name: 'hayesvalley', display_name: 'Hayesvalley', available_capacity: [{ start_timestamp: now, end_timestamp: now + 2 * hour, quantity: 3 }] });
    await expect(sdk.zones.get('atlantis')).rejects.toMatchObject({ status: 404 });
    await provider.delete(`/preview/v2/orders/${askId}`);
  });

  it('runs a reserved node through its window, extends it, and ends it; the v2 API shows the same', async () => {
    const t = server.clock.now();
    await ask(richmond, t, t + 24 * hour, 2, '16.20');
    const { account, sdk } = await customer();
    const created = await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 1800, zone: 'richmond', end_at: t + 2 * hour, names: ['trainer'] });
    expect(created.object).toBe('list');
    const [node] = created.data;
    expect(node).toMatchObject({ object: 'node', name: 'trainer', zone: 'richmond', gpu_type: 'H100', owner: account.accountId, status: 'running', node_type: 'reserved', start_at: t, end_at: t + 2 * hour, procurement_id: null, max_price_per_node_hour: 1800 });
    expect(node!.id).toMatch(/^n_/);
    expect(node!.current_vm).toMatchObject({ object: 'vm', status: 'Running', start_at: t, end_at: null, zone: 'richmond' });
    expect(node!.vms!.data).toHaveLength(1);
    expect(await cents(account)).toBe(1_000_000 - 2 * 1620);

    // The v2 view: a pool of the node's name holding the window, a filled order, a running instance.
    const pool = await v2Pool(account, 'trainer');
    expect(pool.allocation_schedule.by_instance_sku[richmond]).toEqual([{ start_at: t, end_at: t + 2 * hour, node_count: 1 }, { start_at: t + 2 * hour, end_at: null, node_count: 0 }]);
    const orders = (await account.get(`/preview/v2/orders?pool=${pool.id}`)).body.data;
    expect(orders).toMatchObject([{ side: 'buy', status: 'filled', limit_price_dollars_per_node_hour: '18.000000', fills: [{ price_dollars_per_node_hour: '16.200000' }] }]);
    const instance = (await account.get(`/preview/v2/instances/${node!.current_vm!.id}`)).body;
    expect(instance).toMatchObject({ id: node!.current_vm!.id.replace('vm_', 'inst_'), status: 'running', pool: { id: pool.id } });

    // By id or name; extended by an hour; refused beyond the max price.
    expect((await sdk.nodes.get('trainer')).id).toBe(node!.id);
    const extended = await sdk.nodes.extend(node!.id, { duration_seconds: hour, max_price_per_node_hour: 1800 });
    expect(extended.end_at).toBe(t + 3 * hour);
    expect((await v2Pool(account, 'trainer')).allocation_schedule.by_instance_sku[richmond][0]).toEqual({ start_at: t, end_at: t + 3 * hour, node_count: 1 });
    await expect(sdk.nodes.extend(node!.id, { duration_seconds: hour, max_price_per_node_hour: 1000 })).rejects.toMatchObject({ status: 422 });
    await expect(sdk.nodes.extend(node!.id, { duration_seconds: 1800, max_price_per_node_hour: 1800 })).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.release(node!.id)).rejects.toMatchObject({ status: 422 });
    await expect(sdk.nodes.delete(node!.id)).rejects.toMatchObject({ status: 400 });

    await server.advance(3 * hour);
    const ended = await sdk.nodes.get(node!.id);
    expect(ended).toMatchObject({ status: 'terminated', current_vm: { status: 'Destroyed', end_at: t + 3 * hour } });
    await expect(sdk.nodes.extend(node!.id, { duration_seconds: hour, max_price_per_node_hour: 1800 })).rejects.toMatchObject({ status: 422 });
    await sdk.nodes.delete(node!.id);
    await expect(sdk.nodes.get(node!.id)).rejects.toMatchObject({ status: 404 });
    expect((await account.get(`/preview/v2/pools/${pool.id}`)).status).toBe(404);
  });

  it('starts a reserved node later, and refuses what the market or the balance cannot cover, leaving nothing behind', async () => {
    const t = server.clock.now();
    await ask(hayes, t, t + 24 * hour, 4, '24.00');
    const { account, sdk } = await customer();
    const start = Math.floor(t / hour) * hour + hour;
    const [later] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', start_at: start, end_at: start + hour, node_type: 'reserved' })).data;
    expect(later).toMatchObject({ status: 'pending', start_at: start, current_vm: { status: 'Pending' } });
    await expect(sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', start_at: start + 30, end_at: start + hour })).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', end_at: start + 60 })).rejects.toMatchObject({ status: 400 });

    // Too cheap for the book; more nodes than it holds; more than the balance.
    await expect(sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2000, zone: 'hayesvalley', end_at: start })).rejects.toMatchObject({ status: 422 });
    await expect(sdk.nodes.create({ desired_count: 5, max_price_per_node_hour: 2400, zone: 'hayesvalley', end_at: start })).rejects.toMatchObject({ status: 422 });
    const poor = await customer(10);
    await expect(poor.sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', end_at: start })).rejects.toMatchObject({ status: 402 });
    expect((await poor.sdk.nodes.list()).data).toEqual([]);
    expect((await poor.account.get('/preview/v2/pools')).body.data.map((pool: { name: string }) => pool.name)).toEqual([]);
    expect((await sdk.nodes.list()).data.map((node) => node.id)).toEqual([later!.id]);

    await server.advance(start - server.clock.now());
    expect((await sdk.nodes.get(later!.id)).status).toBe('running');
    expect(await cents(account)).toBe(1_000_000 - 2400);
  });

  it('keeps an autoreserved node running while the price is under its max, ends its VM when it rises, and starts another when it falls', async () => {
    const t = server.clock.now();
    expect(t % hour).toBe(0);
    await withdrawAsks(richmond);
    await ask(richmond, t, t + 24 * hour, 4, '16.20');
    const { account, sdk } = await customer();
    const [node] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 1800, zone: 'richmond', names: ['always-on'] })).data;
    expect(node).toMatchObject({ node_type: 'autoreserved', status: 'awaitingcapacity', end_at: null, start_at: t, max_price_per_node_hour: 1800 });
    expect(node!.procurement_id).toMatch(/^proc_/);
    await server.advance(60);
    expect((await sdk.nodes.get('always-on')).status).toBe('running');

    // The v2 view: a spot deployment on the node's pool, whose procurement is the node's.
    const deployments = (await account.get('/preview/v2/deployments')).body.data;
    expect(deployments).toMatchObject([{ object: 'spot_deployment', name: 'always-on', target_instance_count: 1, max_buy_price_dollars_per_node_hour: '18.000000' }]);
    expect((await v2Pool(account, 'always-on')).procurements).toEqual([{ id: node!.procurement_id, name: 'always-on' }]);

    await server.advance(hour);
    expect((await sdk.nodes.get('always-on')).status).toBe('running');

    // The price rises above the max: once what was bought runs out (the 60 minutes from the next
    // minute, bought at the last run), the VM ends and another waits.
    const rise = server.clock.now();
    await withdrawAsks(richmond);
    await ask(richmond, rise, t + 24 * hour, 3, '24.00');
    await server.advance(2 * hour);
    const waiting = await sdk.nodes.get('always-on');
    expect(waiting.status).toBe('awaitingcapacity');
    expect(waiting.vms!.data.map((vm) => vm.status)).toEqual(['Destroyed', 'Pending']);
    expect(waiting.vms!.data[0]!.end_at).toBe(rise - (rise % 60) + 60 + hour);

    // It falls: the standing buy meets a new seller, and the waiting VM starts.
    await ask(richmond, server.clock.now(), t + 24 * hour, 1, '16.80');
    await server.advance(60);
    const back = await sdk.nodes.get('always-on');
    expect(back.status).toBe('running');
    expect(back.current_vm!.status).toBe('Running');

    // Released: nothing more is bought; the VM runs out what was, and the node stays released.
    const released = await sdk.nodes.release('always-on');
    expect(released.status).toBe('released');
    expect(released.end_at).toBeGreaterThan(server.clock.now());
    await expect(sdk.nodes.release('always-on')).rejects.toMatchObject({ status: 409 });
    await expect(sdk.nodes.delete('always-on')).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.extend('always-on', { duration_seconds: hour, max_price_per_node_hour: 1800 })).rejects.toMatchObject({ status: 422 });
    await server.advance(released.end_at! - server.clock.now());
    const over = await sdk.nodes.get('always-on');
    expect(over.status).toBe('released');
    expect(over.vms!.data.every((vm) => vm.status === 'Destroyed')).toBe(true);
    // As `sf nodes delete` does: an autoreserved node is deleted only while it is released.
    expect(over.node_type === 'autoreserved' && over.status === 'released').toBe(true);
    await sdk.nodes.delete('always-on');
    expect((await account.get('/preview/v2/deployments')).body.data).toEqual([]);
    expect((await account.get(`/preview/v2/procurements/${node!.procurement_id}`)).status).toBe(404);
  });

  it('redeploys a node with a new VM, keeping or clearing what the request leaves out', async () => {
    const t = server.clock.now();
    await ask(richmond, t, t + 24 * hour, 2, '16.20');
    const { account, sdk } = await customer();
    const images = await sdk.vms.images.list();
    const older = images.data.find((image) => image.name === 'ubuntu-22.04-cuda-12.4')!;
    const [node] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 1800, zone: 'richmond', end_at: Math.floor(t / hour) * hour + 2 * hour, cloud_init_user_data: 'IyEvYmluL3NoCmVjaG8gaGk=' })).data;
    expect(node!.current_vm!.image_id).not.toBe(older.image_id);

    const kept = await sdk.nodes.redeploy(node!.id, { image_id: older.image_id });
    expect(kept.vms!.data.map((vm) => vm.status)).toEqual(['Destroyed', 'Running']);
    expect(kept.current_vm!.image_id).toBe(older.image_id);
    const keptInstance = (await account.get(`/preview/v2/instances/${kept.current_vm!.id}?include=cloud_init_user_data`)).body;
    expect(keptInstance.cloud_init_user_data).toBe('IyEvYmluL3NoCmVjaG8gaGk=');

    const cleared = await sdk.nodes.redeploy(node!.id, { override_empty: true });
    expect(cleared.current_vm!.image_id).toBe(node!.current_vm!.image_id);
    expect((await account.get(`/preview/v2/instances/${cleared.current_vm!.id}?include=cloud_init_user_data`)).body.cloud_init_user_data ?? null).toBeNull();
    await expect(sdk.nodes.redeploy(node!.id, { image_id: 'image_missing' })).rejects.toMatchObject({ status: 404 });

    // An autoreserved node's new VM comes from its spot deployment, with a new template.
    const [auto] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 1800, zone: 'richmond' })).data;
    await server.advance(60);
    const redeployed = await sdk.nodes.redeploy(auto!.id, { image_id: older.image_id });
    expect(redeployed.vms!.data.map((vm) => [vm.status, vm.image_id === older.image_id])).toEqual([['Destroyed', false], ['Running', true]]);
    const template = (await account.get(`/preview/v2/deployments/${auto!.name}`)).body.instance_template;
    expect((await account.get(`/preview/v2/instance_templates/${template.id}`)).body.image.id).toBe(older.image_id);
  });

  it('lists nodes by id, name or type, one filter at a time, and checks names', async () => {
    const t = server.clock.now();
    await ask(hayes, t, t + 24 * hour, 3, '24.00');
    const { sdk } = await customer();
    const reserved = (await sdk.nodes.create({ desired_count: 2, max_price_per_node_hour: 2400, zone: 'hayesvalley', end_at: Math.floor(t / hour) * hour + hour, names: ['a-one', 'a-two'] })).data;
    const [auto] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, any_zone: true })).data;
    // The zone whose next hour is cheapest now.
    expect(auto).toMatchObject({ zone: 'richmond', gpu_type: 'H100' });
    expect((await sdk.nodes.list()).data.map((node) => node.name)).toEqual(['a-one', 'a-two', auto!.name]);
    expect((await sdk.nodes.list({ id: [reserved[1]!.id] })).data.map((node) => node.name)).toEqual(['a-two']);
    expect((await sdk.nodes.list({ name: ['a-one', auto!.name] })).data.map((node) => node.name)).toEqual(['a-one', auto!.name]);
    expect((await sdk.nodes.list({ type: 'autoreserved' })).data.map((node) => node.name)).toEqual([auto!.name]);
    await expect(sdk.nodes.list({ id: [reserved[0]!.id], type: 'reserved' })).rejects.toMatchObject({ status: 400 });

    const bad = { desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley' };
    for (const names of [['vm_x'], ['n_x'], ['12345'], ['x'.repeat(129)], ['one', 'two'], ['has space']]) {
      await expect(sdk.nodes.create({ ...bad, names }), JSON.stringify(names)).rejects.toMatchObject({ status: 400 });
    }
    await expect(sdk.nodes.create({ ...bad, names: ['a-one'] })).rejects.toMatchObject({ status: 409 });
    await expect(sdk.nodes.create({ ...bad, zone: 'atlantis' })).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400 })).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.create({ ...bad, _preview_enable_infiniband: true } as never)).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.create({ ...bad, max_price_per_node_hour: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(sdk.nodes.get('nobody')).rejects.toMatchObject({ status: 404 });
  });

  it('serves VMs: logs, SSH, the VM script, images, and the account', async () => {
    const t = server.clock.now();
    await ask(richmond, t, t + 24 * hour, 1, '16.20');
    const { account, sdk } = await customer();
    expect(await sdk.vms.script.retrieve().catch((error) => error.status)).toBe(404);
    expect(await sdk.vms.script.create({ script: '#!/bin/sh\necho from-script\n' })).toEqual({ script: '#!/bin/sh\necho from-script\n' });
    expect(await sdk.vms.script.retrieve()).toEqual({ script: '#!/bin/sh\necho from-script\n' });
    expect(await sdk.vms.script.create({ script: [...Buffer.from('bytes')] })).toEqual({ script: 'bytes' });

    const [node] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 1800, zone: 'richmond', end_at: Math.floor(t / hour) * hour + hour })).data;
    const vm = node!.current_vm!.id;
    // The account's script is the VM's cloud-init when the node is given none.
    expect((await account.get(`/preview/v2/instances/${vm}?include=cloud_init_user_data`)).body.cloud_init_user_data).toBe(Buffer.from('bytes').toString('base64'));
    await server.advance(120);
    const logs = await sdk.vms.logs({ instance_id: vm, order_by: 'seqnum_asc' });
    expect(logs.data.length).toBeGreaterThan(0);
    expect(logs.data[0]).toMatchObject({ instance_id: vm, seqnum: expect.any(Number) });
    expect(Buffer.from(logs.data.map((chunk) => chunk.data).flat()).toString()).toContain('');
    const newestFirst = await sdk.vms.logs({ instance_id: vm, order_by: 'seqnum_desc', limit: 2 });
    expect(newestFirst.data.map((chunk) => chunk.seqnum)).toEqual([...logs.data.map((chunk) => chunk.seqnum)].reverse().slice(0, 2));
    const ssh = await sdk.vms.ssh({ vm_id: vm });
    expect(ssh).toMatchObject({ ssh_hostname: expect.any(String), ssh_port: expect.any(Number) });
    await expect(sdk.vms.ssh({ vm_id: 'vm_missing' })).rejects.toMatchObject({ status: 404 });

    const images = await sdk.vms.images.list();
    expect(images).toMatchObject({ object: 'list', has_more: false });
    expect(images.data.map((image) => image.name)).toEqual(['ubuntu-22.04-cuda-12.4', 'ubuntu-24.04-cuda-12.8']);
    const image = await sdk.vms.images.get(images.data[0]!.image_id);
    expect(image).toMatchObject({ object: 'image', name: 'ubuntu-22.04-cuda-12.4', sha256_hash: images.data[0]!.sha256_hash, download_url: expect.stringContaining('/downloads/images/') });

    const vms = (await account.get('/v0/vms/instances')).body.data;
    expect(vms).toEqual([{ id: vm, cluster_id: 'richmond', current_status: 'Running', last_updated_at: expect.any(String) }]);
    const me = (await account.get('/v1/account/me')).body;
    expect(me).toMatchObject({ id: account.accountId, role: 'user', is_frozen: false });
  });
  it('starts a reserved node on any whole minute (only end_at is on the hour), and refuses forward_443 while its VMs are simulated', async () => {
    const t = server.clock.now();
    await ask(hayes, t, t + 24 * hour, 2, '24.00');
    const { account, sdk } = await customer();
    const start = Math.floor(t / hour) * hour + hour + 17 * 60;
    const [node] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', start_at: start, end_at: start - 17 * 60 + 2 * hour, names: ['odd-minute'] })).data;
    expect(node).toMatchObject({ status: 'pending', start_at: start, end_at: start - 17 * 60 + 2 * hour });
    const forwarded = await account.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', end_at: start - 17 * 60 + hour, forward_443: true });
    expect(forwarded.status).toBe(400);
    expect(forwarded.body.error.details[0]).toMatchObject({ field: 'forward_443', code: 'unsupported' });
    expect((await sdk.nodes.list()).data.map((listed) => listed.name)).toEqual(['odd-minute']);
    expect((await account.get('/preview/v2/pools')).body.data).toHaveLength(1);
    await withdrawAsks(hayes);
  });

  it('honours an autoreserved node\'s start_at: nothing is bought before it, and its VM starts then', async () => {
    const t = server.clock.now();
    await withdrawAsks(hayes);
    await ask(hayes, t, t + 24 * hour, 1, '24.00');
    const { account, sdk } = await customer();
    const start = t - (t % 60) + 2 * hour + 17 * 60;
    await expect(sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', start_at: start + 30 })).rejects.toMatchObject({ status: 400 });
    const [node] = (await sdk.nodes.create({ desired_count: 1, max_price_per_node_hour: 2400, zone: 'hayesvalley', start_at: start, names: ['later-auto'] })).data;
    expect(node).toMatchObject({ node_type: 'autoreserved', status: 'pending', start_at: start, end_at: null, current_vm: { status: 'Pending' } });
    const heldNow = async () => (await v2Pool(account, 'later-auto')).allocation_schedule.by_instance_sku[hayes] ?? [];
    expect(await heldNow()).toEqual([]);
    // An hour before it, the procurement's 60-minute window reaches start_at: it buys from there, never before.
    await server.advance(start - hour - 60 - server.clock.now());
    expect(await heldNow()).toEqual([]);
    expect((await sdk.nodes.get('later-auto')).status).toBe('pending');
    await server.advance(2 * 60);
    expect(await heldNow()).toEqual([
      { start_at: start - hour + 60, end_at: start, node_count: 0 },
      { start_at: start, end_at: start + 2 * 60, node_count: 1 },
      { start_at: start + 2 * 60, end_at: null, node_count: 0 },
    ]);
    await server.advance(start - server.clock.now());
    const started = await sdk.nodes.get('later-auto');
    expect(started).toMatchObject({ status: 'running', start_at: start, current_vm: { status: 'Running' } });
    expect(await heldNow()).toEqual([
      { start_at: start, end_at: start + 60 + hour, node_count: 1 },
      { start_at: start + 60 + hour, end_at: null, node_count: 0 },
    ]);
    await sdk.nodes.release('later-auto');
    await withdrawAsks(hayes);
  });
});
