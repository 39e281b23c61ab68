// Instances on allocation (seed 003), on the manual clock: they wait without allocation, start in
// keep order at the boundary that brings it, end lowest-ranked first when it shrinks, and never
// restart. After every step the audit checks running <= allocation and the ledger.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const image = 'ubuntu-22.04-cuda-12.4';
const script = Buffer.from('#!/bin/bash\necho hello from allot\n').toString('base64');

describe.each(testDialects)('instances on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;
  let plainSku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('ib-sku', { rdma_type: 'infiniband', supports_public_ipv4: true });
    plainSku = await server.newInstanceSku('plain-sku', { rdma_type: 'roce', supports_public_ipv4: false });
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function step<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    expect(await server.audit()).toEqual([]);
    return result;
  }

  async function newPool(name: string) {
    return (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id as string;
  }

  async function launch(pool: string, name: string, extra: Record<string, unknown> = {}) {
    const created = await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name, ...extra });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  async function statusOf(name: string) {
    const instance = (await account.get(`/preview/v2/instances/${name}`)).body;
    return { status: instance.status as string, expected: instance.expected_shutdown_at as number | null };
  }

  it('keeps instances awaiting on a pool without allocation', async () => {
    const pool = await newPool('empty');
    const instance = await step(() => launch(pool, 'waiting'));
    expect(instance).toMatchObject({ status: 'awaiting_allocation', pool: { id: pool, name: 'empty' }, capacity: { id: pool, name: 'empty' }, expected_shutdown_at: null, priority_level: 'normal' });
    await step(() => server.advance(3600));
    expect((await statusOf('waiting')).status).toBe('awaiting_allocation');
  });

  it('starts the two highest-ranked of three at t+60 and ends them at t+3660', async () => {
    const pool = await newPool('two-nodes');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t + 60, end_at: t + 3660, node_count: 2 }]);
    await step(() => launch(pool, 'low', { priority_level: 'yield' }));
    await step(() => launch(pool, 'mid'));
    await step(() => launch(pool, 'high', { priority_level: 'critical' }));
    for (const name of ['low', 'mid', 'high']) expect((await statusOf(name)).status).toBe('awaiting_allocation');

    await step(() => server.advance(60));
    expect(await statusOf('high')).toEqual({ status: 'running', expected: t + 3660 });
    expect(await statusOf('mid')).toEqual({ status: 'running', expected: t + 3660 });
    expect(await statusOf('low')).toEqual({ status: 'awaiting_allocation', expected: null });
    const high = (await account.get('/preview/v2/instances/high')).body;
    expect(high.updated_at).toBe(t + 60);

    await step(() => server.advance(3600));
    for (const name of ['low', 'mid', 'high']) {
      const { status } = await statusOf(name);
      expect(status).toBe(name === 'low' ? 'awaiting_allocation' : 'terminated');
    }
  });

  it('predicts each running instance\'s shutdown from its rank', async () => {
    const pool = await newPool('stepped');
    const t = server.clock.now();
    await server.issue(pool, sku, [
      { start_at: t, end_at: t + 600, node_count: 3 },
      { start_at: t + 600, end_at: t + 1200, node_count: 2 },
      { start_at: t + 1200, end_at: t + 1800, node_count: 1 },
    ]);
    await step(() => launch(pool, 'rank-1', { priority_level: 'critical' }));
    await step(() => launch(pool, 'rank-2', { priority_level: 'preferred' }));
    await step(() => launch(pool, 'rank-3'));
    expect((await statusOf('rank-1')).expected).toBe(t + 1800);
    expect((await statusOf('rank-2')).expected).toBe(t + 1200);
    expect((await statusOf('rank-3')).expected).toBe(t + 600);
    await step(() => server.advance(600));
    expect((await statusOf('rank-3')).status).toBe('terminated');
    // A terminated instance never restarts, even when allocation returns.
    await server.issue(pool, sku, [{ start_at: server.clock.now(), end_at: null, node_count: 5 }]);
    expect((await statusOf('rank-3')).status).toBe('terminated');
  });

  it('terminates the lowest-ranked at once when a transfer takes allocation away', async () => {
    const pool = await newPool('giving');
    const other = await newPool('receiving');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: t + 7200, node_count: 3 }]);
    await step(() => launch(pool, 'keep-a', { priority_level: 'preferred' }));
    await step(() => launch(pool, 'keep-b'));
    await step(() => launch(pool, 'lose'));
    const transfer = await step(() => account.post('/preview/v2/pool_transfers', { from_pool: pool, to_pool: other, instance_sku: sku, allocation_schedule_delta: [{ start_at: t, end_at: t + 7200, node_count: 1 }] }));
    expect(transfer.body.status).toBe('executed');
    expect((await statusOf('lose')).status).toBe('terminated');
    expect((await statusOf('keep-a')).status).toBe('running');
    expect((await statusOf('keep-b')).status).toBe('running');
  });

  it('makes a running yield instance give way to an awaiting instance of higher priority', async () => {
    const pool = await newPool('yielding');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: null, node_count: 1 }]);
    await step(() => launch(pool, 'opportunist', { priority_level: 'yield' }));
    expect((await statusOf('opportunist')).status).toBe('running');
    await step(() => launch(pool, 'important'));
    expect((await statusOf('opportunist')).status).toBe('terminated');
    expect((await statusOf('important')).status).toBe('running');
    // Lowering a running instance to yield lets an awaiting one in only when it is of higher priority.
    await step(() => launch(pool, 'patient', { priority_level: 'yield' }));
    expect((await statusOf('patient')).status).toBe('awaiting_allocation');
  });

  it('changes priorities in a batch, all or none', async () => {
    const pool = await newPool('batch');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: null, node_count: 1 }]);
    const first = await step(() => launch(pool, 'batch-1'));
    const second = await step(() => launch(pool, 'batch-2'));
    const refused = await account.patch('/preview/v2/instances', { data: [{ id: first.id, priority_level: 'yield' }, { id: 'inst_doesnotexist', priority_level: 'critical' }] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toContainEqual(expect.objectContaining({ field: 'data.1.id' }));
    expect((await account.get(`/preview/v2/instances/${first.id}`)).body.priority_level).toBe('normal');

    const applied = await step(() =>
      account.patch('/preview/v2/instances', { data: [{ id: first.id, priority_level: 'critical' }, { id: second.id, priority_level: 'preferred' }, { id: first.id, priority_level: 'yield' }] }),
    );
    expect(applied.status).toBe(200);
    expect(applied.body.data.map((instance: { id: string; priority_level: string }) => [instance.id, instance.priority_level])).toEqual([
      [first.id, 'yield'],
      [second.id, 'preferred'],
    ]);
    // The first, now yield, gave way to the second.
    expect(applied.body.data.map((instance: { status: string }) => instance.status)).toEqual(['terminated', 'running']);
  });

  it('replaces an instance in one step, inheriting what it should, and rolls back on error', async () => {
    const pool = await newPool('replacing');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: null, node_count: 1 }]);
    const old = await step(() => launch(pool, 'original', { priority_level: 'preferred', tags: { team: 'ml' }, cloud_init_user_data: script, enable_public_ipv4: true, firewall: `sfc:firewall:${account.accountId}:default:default` }));
    expect(old.status).toBe('running');

    const badImage = await account.post(`/preview/v2/instances/${old.id}/replace`, { image: 'no-such-image' });
    expect(badImage.status).toBe(404);
    const sameName = await account.post(`/preview/v2/instances/${old.id}/replace`, { image, name: 'original' });
    expect(sameName.status, JSON.stringify(sameName.body)).toBe(400);
    expect((await statusOf('original')).status).toBe('running');

    const headers = { 'idempotency-key': 'replace-once' };
    const replaced = await step(() => account.post(`/preview/v2/instances/${old.id}/replace`, { image: 'ubuntu-24.04-cuda-12.8', name: 'successor' }, headers));
    expect(replaced.status).toBe(201);
    expect(replaced.body).toMatchObject({ name: 'successor', status: 'running', priority_level: 'preferred', tags: { team: 'ml' }, enable_public_ipv4: true, cloud_init_user_data_used: false, pool: { id: pool } });
    expect(replaced.body.image.name).toBe('ubuntu-24.04-cuda-12.8');
    expect((await statusOf('original')).status).toBe('terminated');
    const again = await account.post(`/preview/v2/instances/${old.id}/replace`, { image: 'ubuntu-24.04-cuda-12.8', name: 'successor' }, headers);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(replaced.body.id);
    expect((await account.post(`/preview/v2/instances/${old.id}/replace`, { image })).status).toBe(404);
  });

  it('checks what an instance asks of its SKU and its startup script', async () => {
    const pool = await newPool('checks');
    const plain = { pool, image, instance_sku: plainSku };
    const infiniband = await account.post('/preview/v2/instances', { ...plain, _preview_enable_infiniband: true });
    expect(infiniband.status).toBe(422);
    expect(infiniband.body.error.details[0].field).toBe('_preview_enable_infiniband');
    expect((await account.post('/preview/v2/instances', { ...plain, enable_public_ipv4: true, firewall: `sfc:firewall:${account.accountId}:default:default` })).status).toBe(422);
    // A public IPv4 address needs a firewall (the reference: "required when enable_public_ipv4 = true").
    const open = await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, enable_public_ipv4: true });
    expect(open.status).toBe(422);
    expect(open.body.error.details[0]).toMatchObject({ field: 'firewall', code: 'missing' });
    expect((await account.post('/preview/v2/instances', { ...plain, firewall: 'sfc:firewall:x:y:z' })).status).toBe(422);
    expect((await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, enable_public_ipv4: true, firewall: 'my-firewall' })).status).toBe(422);
    const walled = await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, enable_public_ipv4: true, firewall: `sfc:firewall:${account.accountId}:default:web` });
    expect(walled.body.firewall).toMatch(/^frwl_/);
    expect(walled.body.public_ip).toMatch(/^198\.1[89]\./);
    expect((await account.post('/preview/v2/instances', { ...plain, cloud_init_user_data: 'not base64!' })).status).toBe(422);
    const tooLong = Buffer.alloc(64 * 1024 + 1, 'a').toString('base64');
    const longScript = await account.post('/preview/v2/instances', { ...plain, cloud_init_user_data: tooLong });
    expect(longScript.status).toBe(422);
    expect(longScript.body.error.details[0]).toMatchObject({ field: 'cloud_init_user_data', code: 'too_long' });
    const atLimit = await account.post('/preview/v2/instances', { ...plain, cloud_init_user_data: Buffer.alloc(64 * 1024, 'a').toString('base64') });
    expect(atLimit.status).toBe(201);
    expect((await account.post('/preview/v2/instances', { image, instance_sku: plainSku })).status).toBe(422);
    expect((await account.post('/preview/v2/instances', { ...plain, instance_sku: 'isku_missing' })).status).toBe(404);
    expect((await account.post('/preview/v2/instances', { ...plain, priority_level: 'urgent' })).status).toBe(422);
    const withInfiniband = await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, _preview_enable_infiniband: true, enable_public_ipv4: true, firewall: `sfc:firewall:${account.accountId}:default:default` });
    expect(withInfiniband.status).toBe(201);
  });

  it('accepts seed 003\'s capacity and answers with both pool and capacity; shows user data on request', async () => {
    const pool = await newPool('capacity-name');
    const created = await account.post('/preview/v2/instances', { capacity: pool, image, instance_sku: sku, name: 'old-style', cloud_init_user_data: script, tags: { a: 'b' } });
    expect(created.status).toBe(201);
    expect(created.body.capacity).toEqual(created.body.pool);
    expect(created.body.cloud_init_user_data_used).toBe(true);
    expect(created.body).not.toHaveProperty('cloud_init_user_data');
    const included = await account.get('/preview/v2/instances/old-style?include=cloud_init_user_data');
    expect(included.body.cloud_init_user_data).toBe(script);
    expect((await account.get(`/preview/v2/instances/${created.body.id.replace('inst_', 'vm_')}`)).body.id).toBe(created.body.id);
    expect((await account.get(`/preview/v2/instances/${created.body.resource_path}`)).body.id).toBe(created.body.id);
    expect((await account.post('/preview/v2/instances', { capacity: pool, pool: 'elsewhere', image, instance_sku: sku })).status).toBe(422);
  });

  it('boots on the clock: console log by stage, then SSH host keys', async () => {
    const pool = await newPool('booting');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: null, node_count: 1 }]);
    const created = await step(() => launch(pool, 'booter', { cloud_init_user_data: script }));
    const early = await account.get(`/preview/v2/instances/${created.id}/logs`);
    expect(early.body.data.map((line: { seqnum: number }) => line.seqnum)).toEqual([1, 2]);
    const sshEarly = await account.get(`/preview/v2/instances/${created.id}/ssh`);
    expect(sshEarly.body).toMatchObject({ port: 22, host_keys: [], last_successful_key_update_at: null });
    await server.advance(60);
    const logs = await account.get(`/preview/v2/instances/${created.id}/logs`);
    const text = logs.body.data.map((line: { data: string }) => Buffer.from(line.data, 'base64').toString()).join('');
    expect(text).toContain('Running user script: echo hello from allot');
    expect(text).toContain('finished');
    const ssh = await account.get(`/preview/v2/instances/${created.id}/ssh`);
    expect(ssh.body.host_keys[0].key_type).toBe('ssh-ed25519');
    expect(ssh.body.last_successful_key_update_at).toBe(t + 60);

    const windowed = await account.get(`/preview/v2/instances/${created.id}/logs?seqnum_after=3&seqnum_before=5&sort_by=-seqnum`);
    expect(windowed.body.data.map((line: { seqnum: number }) => line.seqnum)).toEqual([5, 4, 3]);
    const limited = await account.get(`/preview/v2/instances/${created.id}/logs?limit=2`);
    expect(limited.body.data).toHaveLength(2);
    const byTime = await account.get(`/preview/v2/instances/${created.id}/logs?realtime_timestamp_after=${t + 30}`);
    expect(byTime.body.data.every((line: { timestamp_realtime: number }) => line.timestamp_realtime >= t + 30)).toBe(true);
    expect((await account.get(`/preview/v2/instances/${created.id}/logs?limit=2501`)).status).toBe(422);
  });

  it('fails hardware at the operator\'s word, and lets awaiting instances take the place', async () => {
    const pool = await newPool('faulty');
    const t = server.clock.now();
    await server.issue(pool, sku, [{ start_at: t, end_at: null, node_count: 1 }]);
    const first = await step(() => launch(pool, 'unlucky'));
    await step(() => launch(pool, 'next-in-line'));
    const failed = await step(() => server.operator.post(`/admin/v1/instances/${first.id}/fail`));
    expect(failed.body.status).toBe('failed');
    expect((await statusOf('next-in-line')).status).toBe('running');
    const logs = await account.get(`/preview/v2/instances/${first.id}/logs`);
    expect(Buffer.from(logs.body.data.at(-1).data, 'base64').toString()).toContain('hardware error');
    expect((await account.post(`/admin/v1/instances/${first.id}/fail`)).status).toBe(401);
  });

  it('terminates, then deletes; a live instance cannot be deleted; another account cannot see it', async () => {
    const pool = await newPool('ending');
    const created = await step(() => launch(pool, 'short-lived'));
    expect((await account.delete(`/preview/v2/instances/${created.id}`)).status).toBe(409);
    const terminated = await step(() => account.post(`/preview/v2/instances/${created.id}/terminate`));
    expect(terminated.body.status).toBe('terminated');
    // SF Compute: "404 Instance not found or already terminated"; the instance itself stays readable.
    expect((await account.post(`/preview/v2/instances/${created.id}/terminate`)).status).toBe(404);
    expect((await account.get(`/preview/v2/instances/${created.id}`)).body.status).toBe('terminated');
    const other = await server.newAccount();
    expect((await other.get(`/preview/v2/instances/${created.id}`)).status).toBe(404);
    expect((await other.post(`/preview/v2/instances/${created.id}/terminate`)).status).toBe(404);
    // The name stays taken while the terminated instance lingers, and is freed by deleting it.
    expect((await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'short-lived' })).status).toBe(422);
    expect((await account.delete(`/preview/v2/instances/${created.id}`)).status).toBe(204);
    expect((await account.get(`/preview/v2/instances/${created.id}`)).status).toBe(404);
    expect((await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'short-lived' })).status).toBe(201);
  });

  it('updates name, tags and priority', async () => {
    const pool = await newPool('patching');
    const created = await step(() => launch(pool, 'patchable', { tags: { a: '1' } }));
    const patched = await step(() => account.patch(`/preview/v2/instances/${created.id}`, { name: 'patched', tags: { b: '2' }, priority_level: 'critical' }));
    expect(patched.body).toMatchObject({ name: 'patched', tags: { b: '2' }, priority_level: 'critical' });
    expect((await account.patch(`/preview/v2/instances/${created.id}`, { tags: null })).body.tags).toEqual({});
    expect((await account.patch(`/preview/v2/instances/${created.id}`, { priority_level: 'soon' })).status).toBe(422);
  });

  it('lists with filters and pages', async () => {
    const pool = await newPool('listing');
    const other = await newPool('listing-other');
    for (const name of ['list-a', 'list-b', 'list-c']) await launch(pool, name, { tags: { group: name === 'list-b' ? 'b' : 'ac' } });
    await launch(other, 'list-d');
    const names = (response: { body: { data: { name: string }[] } }) => response.body.data.map((instance) => instance.name);
    expect(names(await account.get(`/preview/v2/instances?pool=${pool}`))).toEqual(['list-c', 'list-b', 'list-a']);
    expect(names(await account.get(`/preview/v2/instances?pool=${pool}&tag=group%3Dac`))).toEqual(['list-c', 'list-a']);
    expect(names(await account.get(`/preview/v2/instances?pool=listing-other&status=awaiting_allocation`))).toEqual(['list-d']);
    expect(names(await account.get(`/preview/v2/instances?pool=${pool}&status=running`))).toEqual([]);
    expect(names(await account.get(`/preview/v2/instances?id=list-a&id=list-d`))).toEqual(['list-d', 'list-a']);
    const page = await account.get(`/preview/v2/instances?pool=${pool}&limit=2`);
    expect(page.body.cursor).toMatch(/^nodec_/);
    expect(names(await account.get(`/preview/v2/instances?pool=${pool}&limit=2&starting_after=${page.body.cursor}`))).toEqual(['list-a']);
    expect((await account.get('/preview/v2/instances?status=sleeping')).status).toBe(422);
  });

  it('keeps pools with live instances from being deleted', async () => {
    const pool = await newPool('occupied-pool');
    const created = await launch(pool, 'occupant');
    expect((await account.delete(`/preview/v2/pools/${pool}`)).status).toBe(422);
    await account.post(`/preview/v2/instances/${created.id}/terminate`);
    expect((await account.delete(`/preview/v2/pools/${pool}`)).status).toBe(204);
  });
});
