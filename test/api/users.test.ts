// Users: the operator adds people to an account; the account lists and reads them
// (`/preview/v2/users`); a token may act for a user, and then `/preview/v2/me` names them and
// their orders are theirs; removing a user revokes their tokens.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('users on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('are added by the operator and listed, read and filtered by their account', async () => {
    const account = await server.newAccount();
    const added = await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'Ada@Example.com', first_name: 'Ada', last_name: 'Lovelace' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      object: 'user',
      id: expect.stringMatching(/^user_/),
      resource_path: `sfc:user:${added.body.id}`,
      created_at: testEpoch,
      email: 'Ada@Example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
    });
    const grace = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'grace@example.com' })).body;
    expect(grace).toMatchObject({ first_name: null, last_name: null });

    const listed = await account.get('/preview/v2/users');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((user: { id: string }) => user.id)).toEqual([grace.id, added.body.id]);
    expect(listed.body).toMatchObject({ object: 'list', has_more: false, cursor: null });
    const byEmail = await account.get('/preview/v2/users?email=ada@EXAMPLE.com');
    expect(byEmail.body.data).toEqual([added.body]);
    const byId = await account.get(`/preview/v2/users?id=${added.body.resource_path}&id=${grace.id}`);
    expect(byId.body.data).toHaveLength(2);
    const paged = await account.get('/preview/v2/users?limit=1');
    expect(paged.body).toMatchObject({ has_more: true, cursor: expect.stringMatching(/^usrc_/) });
    const next = await account.get(`/preview/v2/users?limit=1&starting_after=${paged.body.cursor}`);
    expect(next.body.data).toEqual([added.body]);

    expect((await account.get(`/preview/v2/users/${added.body.id}`)).body).toEqual(added.body);
    expect((await account.get(`/preview/v2/users/${added.body.resource_path}`)).body).toEqual(added.body);
    const admin = await server.operator.get(`/admin/v1/accounts/${account.accountId}/users`);
    expect(admin.body.data).toEqual(listed.body.data);

    // Another account sees none of them.
    const other = await server.newAccount();
    expect((await other.get('/preview/v2/users')).body.data).toEqual([]);
    expect((await other.get(`/preview/v2/users/${added.body.id}`)).status).toBe(404);
  });

  it('act through their tokens: /preview/v2/me names them, and their orders are theirs', async () => {
    const account = await server.newAccount();
    const user = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'lin@example.com', first_name: 'Lin' })).body;
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name: 'lin laptop', user: user.id });
    expect(issued.status).toBe(201);
    expect(issued.body.user).toBe(user.id);
    const lin = account.withToken(issued.body.token);
    const me = await lin.get('/preview/v2/me');
    expect(me.body).toEqual({ object: 'account', account_id: account.accountId, created_at: testEpoch, entity_type: null, user });
    expect((await account.get('/preview/v2/me')).body.user).toBeNull();

    // A token the user makes through /v0/tokens acts for the user too.
    const own = await lin.post('/v0/tokens', { expires_in_seconds: 3600, origin_client: 'cli' });
    expect((await account.withToken(own.body.token).get('/preview/v2/me')).body.user).toEqual(user);

    const sku = await server.newInstanceSku();
    const pool = (await lin.post('/preview/v2/pools', { workspace: 'default', name: 'lin-pool' })).body.id;
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: '100.00' });
    const start = testEpoch + 3600;
    const order = await lin.post('/preview/v2/orders', {
      pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '1.00', allow_standing: true,
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body.created_by).toEqual({ id: user.id, type: 'user', email: 'lin@example.com' });

    // Another account's user cannot be given a token here.
    const other = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${other.accountId}/tokens`, { user: user.id })).status).toBe(404);
  });

  it('are removed by the operator, with every token of theirs', async () => {
    const account = await server.newAccount();
    const user = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'leaving@example.com' })).body;
    const tokens = [];
    for (let i = 0; i < 2; i++) tokens.push((await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { user: user.id })).body);
    for (const token of tokens) expect((await account.withToken(token.token).get('/preview/v2/me')).status).toBe(200);
    const removed = await server.operator.delete(`/admin/v1/users/${user.id}`);
    expect(removed.status).toBe(204);
    for (const token of tokens) expect((await account.withToken(token.token).get('/preview/v2/me')).status).toBe(401);
    expect((await account.get('/preview/v2/me')).status).toBe(200);
    expect((await account.get(`/preview/v2/users/${user.id}`)).status).toBe(404);
    expect((await account.get('/preview/v2/users')).body.data).toEqual([]);
    expect((await server.operator.delete(`/admin/v1/users/${user.id}`)).status).toBe(404);
    // The email is free again.
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'leaving@example.com' })).status).toBe(201);
  });

  it('refuses bad requests with the envelope and adds nothing', async () => {
    const account = await server.newAccount();
    const path = `/admin/v1/accounts/${account.accountId}/users`;
    await server.operator.post(path, { email: 'taken@example.com' });
    const taken = await server.operator.post(path, { email: 'TAKEN@example.com' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.type).toBe('conflict');
    for (const body of [{}, { email: '' }, { email: 'not-an-address' }, { email: 7 }, { email: 'a@b', first_name: 'x'.repeat(256) }, { email: 'a@b', role: 'admin' }]) {
      const response = await server.operator.post(path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
    }
    expect((await server.operator.post('/admin/v1/accounts/no-such-account/users', { email: 'a@b' })).status).toBe(404);
    expect((await account.post(path, { email: 'a@b' })).status).toBe(401);
    expect((await account.get('/preview/v2/users?limit=0')).status).toBe(422);
    expect((await account.get('/preview/v2/users?starting_after=poolc_1')).status).toBe(422);
    expect((await account.get('/preview/v2/users/user_nosuchuser')).status).toBe(404);
    expect((await account.get('/preview/v2/users')).body.data).toHaveLength(1);
  });
});
