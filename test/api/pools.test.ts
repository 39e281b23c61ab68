// /preview/v2/pools (seeds 000 and 001): create, get, list with filters and pages, update,
// delete, isolation between accounts, and every malformed field.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('pools on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function poolCount(client: ApiClient = account): Promise<number> {
    const response = await client.get('/preview/v2/pools?limit=200');
    return response.body.data.length;
  }

  it('creates a market pool with an empty schedule', async () => {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: 'training', tags: { env: 'prod', team: 'infra' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'pool',
      resource_path: `sfc:pool:${account.accountId}:default:training`,
      owner: account.accountId,
      workspace: 'default',
      name: 'training',
      kind: 'market',
      allocation_schedule: { total: [], by_instance_sku: {} },
      created_at: testEpoch,
      procurements: [],
      deployments: [],
      tags: { env: 'prod', team: 'infra' },
    });
    expect(created.body.id).toMatch(/^pool_[0-9a-zA-Z_-]{21}$/);
  });

  it('takes the workspace as an id, a resource path or a name', async () => {
    const workspace = await account.post('/preview/v2/workspaces', { name: 'by-reference' });
    for (const [index, reference] of [workspace.body.id, workspace.body.resource_path, 'by-reference'].entries()) {
      const created = await account.post('/preview/v2/pools', { workspace: reference, name: `ref-${index}` });
      expect(created.status).toBe(201);
      expect(created.body.workspace_id).toBe(workspace.body.id);
    }
    const missing = await account.post('/preview/v2/pools', { workspace: 'no-such-workspace' });
    expect(missing.status).toBe(422);
  });

  it('generates a name when none is given', async () => {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: null });
    expect(created.body.name).toMatch(/^[a-z]+-[a-z]+-[0-9a-zA-Z]{6}$/);
    expect(created.body.tags).toEqual({});
  });

  it('gets a pool by id, legacy cap_ id, resource path and name', async () => {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: 'findable' });
    const id: string = created.body.id;
    for (const reference of [id, id.replace(/^pool_/, 'cap_'), created.body.resource_path, created.body.resource_path.replace('sfc:pool:', 'sfc:capacity:'), 'findable']) {
      const found = await account.get(`/preview/v2/pools/${reference}`);
      expect(found.status, reference).toBe(200);
      expect(found.body).toEqual(created.body);
    }
    for (const minutes of [0, 1440]) {
      expect((await account.get(`/preview/v2/pools/${id}?schedule_history_minutes=${minutes}`)).status).toBe(200);
    }
  });

  it('refuses a second pool with the same name in a workspace, not in another', async () => {
    await account.post('/preview/v2/pools', { workspace: 'default', name: 'unique' });
    const clash = await account.post('/preview/v2/pools', { workspace: 'default', name: 'unique' });
    expect(clash.status).toBe(422);
    expect(clash.body.error.type).toBe('unprocessable_entity');
    await account.post('/preview/v2/workspaces', { name: 'elsewhere' });
    expect((await account.post('/preview/v2/pools', { workspace: 'elsewhere', name: 'unique' })).status).toBe(201);
  });

  it('updates name and tags; tags are replaced whole and null clears them', async () => {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: 'mutable', tags: { a: '1', b: '2' } });
    const path = `/preview/v2/pools/${created.body.id}`;
    const renamed = await account.patch(path, { name: 'mutated' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'mutated', resource_path: `sfc:pool:${account.accountId}:default:mutated`, tags: { a: '1', b: '2' } });
    expect((await account.patch(path, { tags: { c: '3' } })).body.tags).toEqual({ c: '3' });
    expect((await account.patch(path, {})).body).toMatchObject({ name: 'mutated', tags: { c: '3' } });
    expect((await account.patch(path, { tags: null })).body.tags).toEqual({});
    expect((await account.get(path)).body).toMatchObject({ name: 'mutated', tags: {} });
    await account.post('/preview/v2/pools', { workspace: 'default', name: 'occupied' });
    expect((await account.patch(path, { name: 'occupied' })).status).toBe(422);
  });

  it('shows on the next read every change since the last: tags, allocation, procurements, the passing minute, deletion', async () => {
    // Reads of a pool are remembered until the next write (Store.readCached); each write here
    // must show on the read right after it, by id and by name alike.
    const sku = await server.newInstanceSku();
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: 'polled' });
    const paths = [`/preview/v2/pools/${created.body.id}`, '/preview/v2/pools/polled'];
    const listed = async () => (await account.get(`/preview/v2/pools?id=${created.body.id}`)).body.data[0];
    const read = async () => [...(await Promise.all(paths.map(async (path) => (await account.get(path)).body))), await listed()];
    expect(await read()).toEqual([created.body, created.body, created.body]);

    await account.patch(paths[0]!, { tags: { stage: 'two' } });
    for (const body of await read()) expect(body.tags).toEqual({ stage: 'two' });

    const t = server.clock.now();
    const otherSku = await server.newInstanceSku();
    await server.issue(created.body.id, sku, [{ start_at: t + 120, end_at: t + 3600, node_count: 2 }]);
    await server.issue(created.body.id, otherSku, [{ start_at: t + 120, end_at: t + 3600, node_count: 1 }]);
    for (const body of await read()) {
      expect(body.allocation_schedule.total).toEqual([
        { start_at: t, end_at: t + 120, node_count: 0 },
        { start_at: t + 120, end_at: t + 3600, node_count: 3 },
        { start_at: t + 3600, end_at: null, node_count: 0 },
      ]);
      expect(Object.keys(body.allocation_schedule.by_instance_sku).sort()).toEqual([sku, otherSku].sort());
    }

    // The schedule starts at the current minute: a read after the clock moves starts later.
    await server.advance(60);
    for (const body of await read()) expect(body.allocation_schedule.total[0]).toEqual({ start_at: t + 60, end_at: t + 120, node_count: 0 });

    const procurement = await account.post('/preview/v2/procurements', { name: 'keeper', pool: created.body.id, instance_sku: sku, target: 0, min_sell_price_dollars_per_node_hour: '99.00', max_buy_price_dollars_per_node_hour: '0.01', managed_window_minutes: 60 });
    expect(procurement.status).toBe(201);
    for (const body of await read()) expect(body.procurements).toEqual([{ id: procurement.body.id, name: 'keeper' }]);

    // A failed write changes nothing, and the reads after it say so.
    expect((await account.patch(paths[0]!, { tags: { 'bad key!': 'x' } })).status).toBe(422);
    for (const body of await read()) expect(body.tags).toEqual({ stage: 'two' });

    expect((await account.delete(`/preview/v2/procurements/${procurement.body.id}`)).status).toBe(204);
    await server.advance(3600);
    expect((await account.delete(paths[0]!)).status).toBe(204);
    for (const path of paths) expect((await account.get(path)).status).toBe(404);
  });

  it('deletes a pool, after which it is gone and its name is free', async () => {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name: 'doomed' });
    expect((await account.delete(`/preview/v2/pools/${created.body.id}`)).status).toBe(204);
    expect((await account.get(`/preview/v2/pools/${created.body.id}`)).status).toBe(404);
    expect((await account.delete(`/preview/v2/pools/${created.body.id}`)).status).toBe(404);
    expect((await account.post('/preview/v2/pools', { workspace: 'default', name: 'doomed' })).status).toBe(201);
  });

  it("answers 404 for another account's pool, by id or by resource path", async () => {
    const other = await server.newAccount();
    const theirs = await other.post('/preview/v2/pools', { workspace: 'default', name: 'private' });
    for (const reference of [theirs.body.id, theirs.body.resource_path]) {
      expect((await account.get(`/preview/v2/pools/${reference}`)).status).toBe(404);
      expect((await account.patch(`/preview/v2/pools/${reference}`, { name: 'stolen' })).status).toBe(404);
      expect((await account.delete(`/preview/v2/pools/${reference}`)).status).toBe(404);
    }
    expect((await account.post('/preview/v2/pools', { workspace: `sfc:workspace:${other.accountId}:default` })).status).toBe(422);
    const listed = await account.get(`/preview/v2/pools?id=${theirs.body.id}`);
    expect(listed.body.data).toEqual([]);
    expect((await other.get(`/preview/v2/pools/${theirs.body.id}`)).status).toBe(200);
  });

  describe('listing', () => {
    let lister: ApiClient & { accountId: string };
    const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

    beforeAll(async () => {
      lister = await server.newAccount();
      await lister.post('/preview/v2/workspaces', { name: 'other' });
      for (const [index, name] of names.entries()) {
        await lister.post('/preview/v2/pools', { workspace: index % 2 === 0 ? 'default' : 'other', name, tags: { parity: index % 2 === 0 ? 'even' : 'odd', [`only-${name}`]: 'yes' } });
      }
    });

    it('lists newest first and walks pages both ways', async () => {
      const first = await lister.get('/preview/v2/pools?limit=3');
      expect(first.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p6', 'p5', 'p4']);
      expect(first.body.has_more).toBe(true);
      expect(first.body.cursor).toMatch(/^poolc_/);
      const second = await lister.get(`/preview/v2/pools?limit=3&starting_after=${first.body.cursor}`);
      expect(second.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p3', 'p2', 'p1']);
      const third = await lister.get(`/preview/v2/pools?limit=3&starting_after=${second.body.cursor}`);
      expect(third.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p0']);
      expect(third.body.has_more).toBe(false);
      expect(third.body.cursor).toBeNull();
      // ending_before a page's cursor: the page before it.
      const back = await lister.get(`/preview/v2/pools?limit=3&ending_before=${second.body.cursor}`);
      expect(back.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p6', 'p5', 'p4']);
      expect(back.body.has_more).toBe(false);
      expect(back.body.cursor).toBeNull();
      const shorter = await lister.get(`/preview/v2/pools?limit=2&ending_before=${second.body.cursor}`);
      expect(shorter.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p5', 'p4']);
      expect(shorter.body.has_more).toBe(true);
      const furtherBack = await lister.get(`/preview/v2/pools?limit=2&ending_before=${shorter.body.cursor}`);
      expect(furtherBack.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p6']);
    });

    it('keeps a page boundary while pools are inserted', async () => {
      const first = await lister.get('/preview/v2/pools?limit=2');
      await lister.post('/preview/v2/pools', { workspace: 'default', name: 'late-arrival' });
      const next = await lister.get(`/preview/v2/pools?limit=2&starting_after=${first.body.cursor}`);
      const firstNames = first.body.data.map((pool: { name: string }) => pool.name);
      const nextNames = next.body.data.map((pool: { name: string }) => pool.name);
      expect(nextNames.some((name: string) => firstNames.includes(name))).toBe(false);
      expect(nextNames).not.toContain('late-arrival');
      await lister.delete('/preview/v2/pools/late-arrival');
    });

    it('filters by workspace, by id, by tag and by tag key', async () => {
      const inOther = await lister.get('/preview/v2/pools?workspace=other');
      expect(inOther.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p5', 'p3', 'p1']);
      const p2 = await lister.get('/preview/v2/pools/p2');
      const byId = await lister.get(`/preview/v2/pools?id=${p2.body.id}&id=p4&id=sfc:pool:${lister.accountId}:other:p1`);
      expect(byId.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p4', 'p2', 'p1']);
      const byName = await lister.get('/preview/v2/pools?workspace=other&id=p3');
      expect(byName.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p3']);
      const odd = await lister.get('/preview/v2/pools?tag=parity%3Dodd');
      expect(odd.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p5', 'p3', 'p1']);
      const both = await lister.get('/preview/v2/pools?tag=parity%3Dodd&tag_key=only-p3');
      expect(both.body.data.map((pool: { name: string }) => pool.name)).toEqual(['p3']);
      const none = await lister.get('/preview/v2/pools?tag=parity%3Dnone');
      expect(none.body.data).toEqual([]);
    });

    it('refuses malformed list parameters with 422 and details', async () => {
      for (const query of ['limit=0', 'limit=201', 'limit=ten', 'starting_after=ordrc_1', 'starting_after=poolc_!', 'starting_after=poolc_1&ending_before=poolc_2', 'schedule_history_minutes=1441', 'schedule_history_minutes=-1', 'tag=novalue', 'tag=_hidden%3Dx']) {
        const response = await lister.get(`/preview/v2/pools?${query}`);
        expect(response.status, query).toBe(422);
        expect(response.body.error.details.length, query).toBeGreaterThan(0);
      }
      expect((await lister.get('/preview/v2/pools?workspace=nowhere')).status).toBe(422);
    });
  });

  describe('malformed fields are 422s with details and write nothing', () => {
    const badCreates: [string, Record<string, unknown>, string | null][] = [
      ['no workspace', { name: 'x' }, 'workspace'],
      ['workspace not a string', { workspace: 12 }, 'workspace'],
      ['workspace empty', { workspace: '' }, 'workspace'],
      ['name with a leading dot', { workspace: 'default', name: '.hidden' }, 'name'],
      ['name with a slash', { workspace: 'default', name: 'a/b' }, 'name'],
      ['name too long', { workspace: 'default', name: 'n'.repeat(256) }, 'name'],
      ['name a number', { workspace: 'default', name: 5 }, 'name'],
      ['tags an array', { workspace: 'default', tags: ['a'] }, 'tags'],
      ['tag value a number', { workspace: 'default', tags: { env: 1 } }, 'tags.env'],
      ['tag key with a leading underscore', { workspace: 'default', tags: { _private: 'x' } }, 'tags._private'],
      ['tag key with a space', { workspace: 'default', tags: { 'a b': 'x' } }, 'tags.a b'],
      ['tag key with an equals sign', { workspace: 'default', tags: { 'a=b': 'x' } }, 'tags.a=b'],
      ['tag key too long', { workspace: 'default', tags: { ['k'.repeat(129)]: 'x' } }, `tags.${'k'.repeat(129)}`],
      ['tag value with a comma', { workspace: 'default', tags: { env: 'a,b' } }, 'tags.env'],
      ['tag value too long', { workspace: 'default', tags: { env: 'v'.repeat(257) } }, 'tags.env'],
      ['51 tags', { workspace: 'default', tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'tags'],
    ];

    it.each(badCreates)('create with %s', async (_case, body, field) => {
      const before = await poolCount();
      const response = await account.post('/preview/v2/pools', body);
      expect(response.status).toBe(422);
      expect(response.body.error.type).toBe('unprocessable_entity');
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
      expect(await poolCount()).toBe(before);
    });

    it.each(badCreates.filter(([, , field]) => field === 'name' || field?.startsWith('tags')))('update with %s', async (_case, body, field) => {
      const target = await account.get('/preview/v2/pools/training');
      const { workspace: _workspace, ...changes } = body;
      const response = await account.patch('/preview/v2/pools/training', changes);
      expect(response.status).toBe(422);
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
      expect((await account.get('/preview/v2/pools/training')).body).toEqual(target.body);
    });

    it('accepts exactly 50 tags and a 128-character key', async () => {
      const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
      tags['k'.repeat(128)] = 'v'.repeat(256);
      const response = await account.post('/preview/v2/pools', { workspace: 'default', tags });
      expect(response.status).toBe(201);
      expect(Object.keys(response.body.tags)).toHaveLength(50);
    });
  });
});
