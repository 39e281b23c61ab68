// The legacy account routes the `sf` CLI calls: `/v0/me`, `/v0/ping` and `/v0/tokens` (create,
// list, delete), in the shapes the CLI reads; responses are checked against SF Compute's v0
// document for their statuses and allot's served document for their bodies.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe.each(testDialects)('legacy /v0 account routes on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('answers /v0/me with the account id, and 401 for a bad token', async () => {
    const account = await server.newAccount('Legacy Me');
    const me = await account.get('/v0/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: account.accountId });
    for (const client of [server.anonymous, server.anonymous.withToken('allot_sk_nope'), server.operator]) {
      const refused = await client.get('/v0/me');
      expect(refused.status).toBe(401);
      expect(refused.body.error.type).toBe('authentication_error');
    }
  });

  it('answers /v0/ping with or without a token', async () => {
    const account = await server.newAccount();
    for (const client of [server.anonymous, account]) {
      const ping = await client.get('/v0/ping');
      expect(ping.status).toBe(200);
      expect(ping.body).toMatchObject({ object: 'ping', ok: true });
    }
  });

  it('creates a token as `sf tokens create` asks, which then works', async () => {
    const account = await server.newAccount();
    const now = server.clock.now();
    const created = await account.post('/v0/tokens', { expires_in_seconds: 7 * 24 * 3600, name: 'laptop', description: 'my laptop', origin_client: 'cli' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      object: 'token',
      id: expect.stringMatching(/^tokn_/),
      token: expect.stringMatching(/^allot_sk_/),
      name: 'laptop',
      description: 'my laptop',
      is_sandbox: false,
      created_at: iso(now),
      last_active_at: null,
      expires_at: iso(now + 7 * 24 * 3600),
      origin_client: 'cli',
      is_system: false,
    });
    const me = await account.withToken(created.body.token).get('/v0/me');
    expect(me.body).toEqual({ id: account.accountId });

    // The CLI's skipped prompts send "": no name, no description.
    const unnamed = await account.post('/v0/tokens', { expires_in_seconds: 100 * 365 * 24 * 3600, name: '', description: '', origin_client: 'cli' });
    expect(unnamed.status).toBe(200);
    expect(unnamed.body).toMatchObject({ name: null, description: null });
  });

  it('lists the account\'s tokens for `sf tokens list`, without their values, and pages', async () => {
    const account = await server.newAccount();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await account.post('/v0/tokens', { expires_in_seconds: 3600, name: `n${i}`, origin_client: 'cli' })).body);
    const listed = await account.get('/v0/tokens');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((token: { name: string | null }) => token.name)).toEqual(['n2', 'n1', 'n0', null]);
    expect(listed.body.data[3]).toMatchObject({ origin_client: 'operator', is_system: true, expires_at: null });
    const first = listed.body.data[0];
    expect(first).not.toHaveProperty('token');
    expect(JSON.stringify(listed.body)).not.toContain(made[2].token);
    // The calling token's use shows.
    expect(listed.body.data[3].last_active_at).toBe(iso(testEpoch + (server.clock.now() - testEpoch)));
    const page = await account.get('/v0/tokens?limit=2');
    expect(page.body.data).toHaveLength(2);
    expect(page.body.has_more).toBe(true);
    const rest = await account.get(`/v0/tokens?limit=2&starting_after=${page.body.cursor}`);
    expect(rest.body.data.map((token: { name: string | null }) => token.name)).toEqual(['n0', null]);
    // Another account's tokens are not listed.
    const other = await server.newAccount();
    expect((await other.get('/v0/tokens')).body.data).toHaveLength(1);
  });

  it('deletes a token at once, and answers token.not_found for an unknown, foreign or deleted one', async () => {
    const account = await server.newAccount();
    const created = (await account.post('/v0/tokens', { expires_in_seconds: 3600, name: 'gone', origin_client: 'cli' })).body;
    const doomed = account.withToken(created.token);
    expect((await doomed.get('/v0/me')).status).toBe(200);
    const deleted = await account.delete(`/v0/tokens/${created.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ object: 'token', id: created.id, deleted: true });
    expect((await doomed.get('/v0/me')).status).toBe(401);
    expect((await account.get('/v0/tokens')).body.data.map((token: { id: string }) => token.id)).not.toContain(created.id);

    const other = await server.newAccount();
    const foreign = (await other.post('/v0/tokens', { expires_in_seconds: 3600, origin_client: 'cli' })).body;
    for (const id of [created.id, foreign.id, 'tokn_nosuchtoken', 'nonsense']) {
      const missing = await account.delete(`/v0/tokens/${id}`);
      expect(missing.status, `${id} ${JSON.stringify(missing.body)}`).toBe(404);
      expect(missing.body).toMatchObject({ code: 'token.not_found', error: { type: 'not_found' } });
    }
    expect((await other.withToken(foreign.token).get('/v0/me')).status).toBe(200);

    // A token may delete itself; it is refused from then on.
    const self = (await account.post('/v0/tokens', { expires_in_seconds: 3600, origin_client: 'cli' })).body;
    const selfClient = account.withToken(self.token);
    expect((await selfClient.delete(`/v0/tokens/${self.id}`)).status).toBe(200);
    expect((await selfClient.get('/v0/tokens')).status).toBe(401);
  });

  it('expires a token made with expires_in_seconds', async () => {
    const account = await server.newAccount();
    const created = (await account.post('/v0/tokens', { expires_in_seconds: 60, origin_client: 'cli' })).body;
    const client = account.withToken(created.token);
    expect((await client.get('/v0/me')).status).toBe(200);
    await server.advance(60);
    expect((await client.get('/v0/me')).status).toBe(401);
    // Still listed (expired, not deleted), and still deletable.
    const listed = await account.get('/v0/tokens');
    expect(listed.body.data.map((token: { id: string }) => token.id)).toContain(created.id);
    expect((await account.delete(`/v0/tokens/${created.id}`)).status).toBe(200);
  });

  it('refuses bad token requests with the envelope and creates nothing', async () => {
    const account = await server.newAccount();
    const bodies = [
      {},
      { origin_client: 'cli' },
      { expires_in_seconds: 3600 },
      { expires_in_seconds: 3600, origin_client: 'web' },
      { expires_in_seconds: 0, origin_client: 'cli' },
      { expires_in_seconds: -5, origin_client: 'cli' },
      { expires_in_seconds: 1.5, origin_client: 'cli' },
      { expires_in_seconds: '3600', origin_client: 'cli' },
      { expires_in_seconds: 201 * 365 * 24 * 3600, origin_client: 'cli' },
      { expires_in_seconds: 3600, origin_client: 'cli', name: 'x'.repeat(101) },
      { expires_in_seconds: 3600, origin_client: 'cli', description: 'x'.repeat(1001) },
    ];
    for (const body of bodies) {
      const response = await account.post('/v0/tokens', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
    }
    expect((await account.raw('POST', '/v0/tokens', '{"expires_in_seconds":')).status).toBe(400);
    expect((await account.get('/v0/tokens?limit=0')).status).toBe(400);
    expect((await account.get('/v0/tokens')).body.data).toHaveLength(1);
  });
});
