// Accounts, tokens and authentication: the operator's /admin/v1/accounts, /preview/v2/me, and
// the 401s for missing and wrong tokens.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('accounts and authentication on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('creates an account with a default workspace and a first token', async () => {
    const created = await server.operator.post('/admin/v1/accounts', { name: 'Acme Corp' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'account', id: 'acme-corp', name: 'Acme Corp', created_at: testEpoch });
    expect(created.body.token).toMatch(/^allot_sk_/);

    const acme = server.anonymous.withToken(created.body.token);
    const me = await acme.get('/preview/v2/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ object: 'account', account_id: 'acme-corp', created_at: testEpoch, entity_type: null, user: null });

    const workspaces = await acme.get('/preview/v2/workspaces');
    expect(workspaces.body.data).toEqual([
      { object: 'workspace', id: created.body.default_workspace, resource_path: 'sfc:workspace:acme-corp:default', owner: 'acme-corp', name: 'default', created_at: testEpoch },
    ]);
  });

  it('derives distinct ids from equal names, and refuses a taken explicit id', async () => {
    const first = await server.operator.post('/admin/v1/accounts', { name: 'Same Name' });
    const second = await server.operator.post('/admin/v1/accounts', { name: 'Same Name' });
    expect(first.body.id).toBe('same-name');
    expect(second.body.id).toBe('same-name-2');
    const taken = await server.operator.post('/admin/v1/accounts', { name: 'Other', id: 'same-name' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.type).toBe('conflict');
  });

  it('refuses malformed account requests with details', async () => {
    for (const body of [{}, { name: '' }, { name: 7 }, { name: 'X', id: 'Not Valid' }, { name: 'X', id: '-x' }]) {
      const response = await server.operator.post('/admin/v1/accounts', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
      expect(response.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it('issues further tokens, each of which works', async () => {
    const account = await server.newAccount('Tokens Inc');
    const issued = await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ object: 'api_token', account: account.accountId });
    expect(issued.body.id).toMatch(/^tokn_/);
    const me = await server.anonymous.withToken(issued.body.token).get('/preview/v2/me');
    expect(me.body.account_id).toBe(account.accountId);
    const unknown = await server.operator.post('/admin/v1/accounts/no-such-account/tokens');
    expect(unknown.status).toBe(404);
  });

  it('lists accounts newest first, page by page', async () => {
    for (let i = 0; i < 3; i++) await server.newAccount(`Lister ${i}`);
    const first = await server.operator.get('/admin/v1/accounts?limit=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    expect(first.body.data[0].name).toBe('Lister 2');
    const second = await server.operator.get(`/admin/v1/accounts?limit=2&starting_after=${first.body.cursor}`);
    expect(second.body.data[0].name).toBe('Lister 0');
    const single = await server.operator.get(`/admin/v1/accounts/${first.body.data[0].id}`);
    expect(single.body).toEqual(first.body.data[0]);
  });

  it('answers 401 in the envelope for a missing, malformed or wrong token', async () => {
    const account = await server.newAccount();
    for (const client of [server.anonymous, server.anonymous.withToken('allot_sk_wrong'), server.operator]) {
      const response = await client.get('/preview/v2/me');
      expect(response.status).toBe(401);
      expect(response.body.error.type).toBe('authentication_error');
    }
    const basic = await server.anonymous.get('/preview/v2/me', { authorization: 'Basic abc' });
    expect(basic.status).toBe(401);
    // An account token is not the operator token.
    const admin = await account.get('/admin/v1/accounts');
    expect(admin.status).toBe(401);
  });

  it('serves the health check without a token', async () => {
    const response = await server.anonymous.get('/v1/_healthz');
    expect(response.status).toBe(200);
    expect(response.body).toBe('ok');
  });
});
