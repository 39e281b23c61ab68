// API tokens as objects: the operator issues named, expiring tokens, lists any account's tokens
// (never their values) and revokes any of them; an expired or revoked token is refused at once;
// `last_active_at` is written at most once a minute; orders name the token that placed them.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('API tokens on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('issues a named, expiring token and lists it without its value', async () => {
    const account = await server.newAccount();
    const now = server.clock.now();
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name: 'ci deploy', description: 'for CI', expires_at: now + 3600 });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({
      object: 'api_token',
      account: account.accountId,
      user: null,
      name: 'ci deploy',
      description: 'for CI',
      origin_client: null,
      status: 'active',
      created_at: now,
      expires_at: now + 3600,
      last_used_at: null,
      revoked_at: null,
    });
    expect(issued.body.token).toMatch(/^allot_sk_/);
    expect(issued.body.suffix).toBe(issued.body.token.slice(-4));

    const listed = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((token: { id: string }) => token.id)).toEqual([issued.body.id, expect.stringMatching(/^tokn_/)]);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    expect(JSON.stringify(listed.body)).not.toContain(account.token!);
    const { token: _value, ...withoutValue } = issued.body;
    expect(listed.body.data[0]).toEqual(withoutValue);
  });

  it('pages through an account\'s tokens, newest first', async () => {
    const account = await server.newAccount();
    for (let i = 0; i < 4; i++) await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name: `t${i}` });
    const first = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens?limit=2`);
    expect(first.body.data.map((token: { name: string }) => token.name)).toEqual(['t3', 't2']);
    expect(first.body.has_more).toBe(true);
    const second = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens?limit=2&starting_after=${first.body.cursor}`);
    expect(second.body.data.map((token: { name: string }) => token.name)).toEqual(['t1', 't0']);
    expect(second.body.has_more).toBe(true);
    const third = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens?limit=2&starting_after=${second.body.cursor}`);
    expect(third.body.data.map((token: { name: string | null }) => token.name)).toEqual([null]);
    expect(third.body.has_more).toBe(false);
    const missing = await server.operator.get('/admin/v1/accounts/no-such-account/tokens');
    expect(missing.status).toBe(404);
    const badCursor = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens?starting_after=poolc_1`);
    expect(badCursor.status).toBe(400);
  });

  it('refuses an expired token from its expiry on', async () => {
    const account = await server.newAccount();
    const now = server.clock.now();
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { expires_at: now + 120 });
    const client = account.withToken(issued.body.token);
    expect((await client.get('/preview/v2/me')).status).toBe(200);
    await server.advance(60);
    expect((await client.get('/preview/v2/me')).status).toBe(200);
    await server.advance(60);
    const refused = await client.get('/preview/v2/me');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ type: 'authentication_error', message: 'This API token has expired' });
    const listed = await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens`);
    expect(listed.body.data[0]).toMatchObject({ id: issued.body.id, status: 'expired' });
    expect((await account.get('/preview/v2/me')).status).toBe(200);
  });

  it('revokes any account\'s token at once, and a second revocation changes nothing', async () => {
    const account = await server.newAccount();
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name: 'doomed' });
    const client = account.withToken(issued.body.token);
    expect((await client.get('/preview/v2/workspaces')).status).toBe(200);
    const revokedAt = server.clock.now();
    const revoked = await server.operator.delete(`/admin/v1/tokens/${issued.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: issued.body.id, status: 'revoked', revoked_at: revokedAt, name: 'doomed' });
    const refused = await client.get('/preview/v2/workspaces');
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('This API token has been revoked');
    await server.advance(60);
    const again = await server.operator.delete(`/admin/v1/tokens/${issued.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revokedAt);
    expect((await server.operator.delete('/admin/v1/tokens/tokn_nosuchtoken')).status).toBe(404);
    expect((await account.get('/preview/v2/workspaces')).status).toBe(200);
    expect((await account.delete(`/admin/v1/tokens/${issued.body.id}`)).status).toBe(401);
  });

  it('writes last use at most once a minute', async () => {
    const account = await server.newAccount();
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, {});
    const client = account.withToken(issued.body.token);
    const lastUsed = async () => (await server.operator.get(`/admin/v1/accounts/${account.accountId}/tokens`)).body.data.find((token: { id: string }) => token.id === issued.body.id).last_used_at;
    expect(await lastUsed()).toBeNull();
    const first = server.clock.now();
    await client.get('/preview/v2/me');
    expect(await lastUsed()).toBe(first);
    await server.advance(59);
    await client.get('/preview/v2/me');
    expect(await lastUsed()).toBe(first);
    await server.advance(1);
    await client.get('/preview/v2/me');
    expect(await lastUsed()).toBe(first + 60);
  });

  it('refuses bad token requests with the envelope and issues nothing', async () => {
    const account = await server.newAccount();
    const now = server.clock.now();
    const path = `/admin/v1/accounts/${account.accountId}/tokens`;
    const bodies = [
      { expires_at: now },
      { expires_at: now - 60 },
      { expires_at: 'soon' },
      { name: 'x'.repeat(101) },
      { description: 'x'.repeat(1001) },
      { name: 7 },
      { unknown: true },
    ];
    for (const body of bodies) {
      const response = await server.operator.post(path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
    }
    const unknownUser = await server.operator.post(path, { user: 'user_nosuchuser' });
    expect(unknownUser.status).toBe(404);
    const raw = await server.operator.raw('POST', path, '{"name":');
    expect(raw.status).toBe(400);
    const listed = await server.operator.get(path);
    expect(listed.body.data).toHaveLength(1);
  });

  it('names the token that placed an order in created_by', async () => {
    const account = await server.newAccount();
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name: 'trader' });
    const trader = account.withToken(issued.body.token);
    const sku = await server.newInstanceSku();
    const pool = (await trader.post('/preview/v2/pools', { workspace: 'default', name: 'orders-pool' })).body.id;
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: '1000.00' });
    const start = testEpoch + 3600;
    const order = await trader.post('/preview/v2/orders', {
      pool,
      side: 'buy',
      instance_sku: sku,
      allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }],
      limit_price_dollars_per_node_hour: '1.00',
      allow_standing: true,
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(order.body.created_by).toEqual({ id: issued.body.id, type: 'token', name: 'trader' });
    const fetched = await account.get(`/preview/v2/orders/${order.body.id}`);
    expect(fetched.body.created_by).toEqual({ id: issued.body.id, type: 'token', name: 'trader' });
  });
});
