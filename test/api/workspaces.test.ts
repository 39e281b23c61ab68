// /preview/v2/workspaces: create, list, get, rename, delete, and every malformed field.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('workspaces on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('creates a workspace, finds it by id, resource path and name, and lists it', async () => {
    const created = await account.post('/preview/v2/workspaces', { name: 'research' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'workspace', name: 'research', owner: account.accountId, resource_path: `sfc:workspace:${account.accountId}:research` });
    for (const reference of [created.body.id, created.body.resource_path, 'research']) {
      const found = await account.get(`/preview/v2/workspaces/${reference}`);
      expect(found.status).toBe(200);
      expect(found.body).toEqual(created.body);
    }
    const listed = await account.get('/preview/v2/workspaces');
    expect(listed.body.data.map((workspace: { name: string }) => workspace.name)).toEqual(['research', 'default']);
    expect(listed.body.has_more).toBe(false);
    const filtered = await account.get(`/preview/v2/workspaces?id=research&id=${created.body.id}`);
    expect(filtered.body.data).toHaveLength(1);
  });

  it('generates a name when none is given', async () => {
    const created = await account.post('/preview/v2/workspaces', {});
    expect(created.status).toBe(201);
    expect(created.body.name).toMatch(/^[a-z]+-[a-z]+-[0-9a-zA-Z]{6}$/);
  });

  it('refuses a second workspace with the same name', async () => {
    await account.post('/preview/v2/workspaces', { name: 'twice' });
    const again = await account.post('/preview/v2/workspaces', { name: 'twice' });
    expect(again.status).toBe(400);
    expect(again.body.error.type).toBe('invalid_request_error');
  });

  it('renames a workspace, and its resource path follows', async () => {
    const created = await account.post('/preview/v2/workspaces', { name: 'old-name' });
    const renamed = await account.patch(`/preview/v2/workspaces/${created.body.id}`, { name: 'new-name' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.resource_path).toBe(`sfc:workspace:${account.accountId}:new-name`);
    expect((await account.get('/preview/v2/workspaces/old-name')).status).toBe(404);
    const unchanged = await account.patch(`/preview/v2/workspaces/${created.body.id}`, {});
    expect(unchanged.body.name).toBe('new-name');
    const clash = await account.patch(`/preview/v2/workspaces/${created.body.id}`, { name: 'default' });
    expect(clash.status).toBe(400);
  });

  it('deletes an empty workspace, refuses a non-empty one and the default one', async () => {
    const empty = await account.post('/preview/v2/workspaces', { name: 'to-delete' });
    expect((await account.delete(`/preview/v2/workspaces/${empty.body.id}`)).status).toBe(204);
    expect((await account.get(`/preview/v2/workspaces/${empty.body.id}`)).status).toBe(404);
    expect((await account.post('/preview/v2/workspaces', { name: 'to-delete' })).status).toBe(201);

    const full = await account.post('/preview/v2/workspaces', { name: 'full' });
    await account.post('/preview/v2/pools', { workspace: full.body.id, name: 'keeper' });
    const refused = await account.delete('/preview/v2/workspaces/full');
    expect(refused.status).toBe(422);
    expect(refused.body.error.type).toBe('unprocessable_entity');

    const defaultRefused = await account.delete('/preview/v2/workspaces/default');
    expect(defaultRefused.status).toBe(422);
  });

  it("answers 404 for another account's workspace, however it is named", async () => {
    const other = await server.newAccount();
    const theirs = await other.post('/preview/v2/workspaces', { name: 'secret' });
    for (const reference of [theirs.body.id, theirs.body.resource_path]) {
      expect((await account.get(`/preview/v2/workspaces/${reference}`)).status).toBe(404);
      expect((await account.patch(`/preview/v2/workspaces/${reference}`, { name: 'mine' })).status).toBe(404);
      expect((await account.delete(`/preview/v2/workspaces/${reference}`)).status).toBe(404);
    }
    expect((await other.get('/preview/v2/workspaces/secret')).status).toBe(200);
  });

  describe('malformed fields are 400s with details and write nothing', () => {
    const badNames: [string, unknown][] = [
      ['leading dash', '-research'],
      ['space', 'my workspace'],
      ['empty', ''],
      ['too long', 'a'.repeat(256)],
      ['not a string', 42],
      ['an object', { name: 'x' }],
    ];

    it.each(badNames)('create with a name that is %s', async (_case, name) => {
      const before = await account.get('/preview/v2/workspaces');
      const response = await account.post('/preview/v2/workspaces', { name });
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field: 'name' }));
      expect((await account.get('/preview/v2/workspaces')).body).toEqual(before.body);
    });

    it.each(badNames)('rename to a name that is %s', async (_case, name) => {
      const before = await account.get('/preview/v2/workspaces');
      const response = await account.patch('/preview/v2/workspaces/default', { name });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field: 'name' }));
      expect((await account.get('/preview/v2/workspaces')).body).toEqual(before.body);
    });

    it('a body that is not an object', async () => {
      for (const body of [[], 'text', 7]) {
        const response = await account.post('/preview/v2/workspaces', body);
        expect(response.status).toBe(400);
        expect(response.body.error.details.length).toBeGreaterThan(0);
      }
    });
  });
});
