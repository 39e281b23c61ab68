// Feature flags: every flag on by default (`GET /v2/feature_flags/{flag}`, as the `sf` CLI asks),
// the caller's list and self-enrolment (`/preview/v2/feature_flags`), and the operator's settings
// per account, which the operator may close to the account's own changes.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('feature flags on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('are all on by default, the CLI\'s and any other', async () => {
    const account = await server.newAccount();
    for (const flag of ['procurements', 'zones', 'infiniband-preview', 'something-newer']) {
      const answer = await account.get(`/v2/feature_flags/${flag}`);
      expect(answer.status, flag).toBe(200);
      expect(answer.body).toEqual({ enabled: true });
    }
    expect((await account.get('/v2/feature_flags/Not%20A%20Flag')).status).toBe(404);
    expect((await server.anonymous.get('/v2/feature_flags/zones')).status).toBe(401);
    const listed = await account.get('/preview/v2/feature_flags');
    expect(listed.status).toBe(200);
    expect(listed.body.object).toBe('list');
    expect(listed.body.has_more).toBe(false);
    expect(listed.body.data.map((flag: { feature_flag: string }) => flag.feature_flag)).toEqual(['infiniband-preview', 'procurements', 'zones']);
    expect(listed.body.data[2]).toEqual({ object: 'feature_flag', feature_flag: 'zones', description: expect.any(String), user_enroll: true, enrolled: true });
  });

  it('are set per account by the operator, who may close them to the account', async () => {
    const account = await server.newAccount();
    const other = await server.newAccount();
    const off = await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/zones`, { enabled: false, user_enroll: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ object: 'feature_flag', feature_flag: 'zones', enrolled: false, user_enroll: false });
    expect((await account.get('/v2/feature_flags/zones')).body).toEqual({ enabled: false });
    expect((await other.get('/v2/feature_flags/zones')).body).toEqual({ enabled: true });
    const refused = await account.post('/preview/v2/feature_flags/zones', { enrolled: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.type).toBe('forbidden');
    expect((await account.get('/v2/feature_flags/zones')).body).toEqual({ enabled: false });

    // A flag of the operator's own naming is listed for that account alone.
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/beta-gpus`, { enabled: false });
    const listed = await account.get('/preview/v2/feature_flags');
    expect(listed.body.data.map((flag: { feature_flag: string; enrolled: boolean }) => [flag.feature_flag, flag.enrolled])).toEqual([
      ['beta-gpus', false], ['infiniband-preview', true], ['procurements', true], ['zones', false],
    ]);
    expect((await other.get('/preview/v2/feature_flags')).body.data).toHaveLength(3);
    const adminList = await server.operator.get(`/admin/v1/accounts/${account.accountId}/feature_flags`);
    expect(adminList.body).toEqual(listed.body);

    // Open again: the account may change it itself.
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/zones`, { enabled: false });
    const enrolled = await account.post('/preview/v2/feature_flags/zones', { enrolled: true });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toEqual({ object: 'feature_flag', feature_flag: 'zones', enrolled: true });
    expect((await account.get('/v2/feature_flags/zones')).body).toEqual({ enabled: true });
    const unenrolled = await account.post('/preview/v2/feature_flags/procurements', { enrolled: false });
    expect(unenrolled.body.enrolled).toBe(false);
    expect((await account.get('/v2/feature_flags/procurements')).body).toEqual({ enabled: false });
  });

  it('refuses bad requests with the envelope and changes nothing', async () => {
    const account = await server.newAccount();
    expect((await account.post('/preview/v2/feature_flags/not-listed', { enrolled: false })).status).toBe(404);
    for (const body of [{}, { enrolled: 'yes' }, { enrolled: null }]) {
      const response = await account.post('/preview/v2/feature_flags/zones', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.error.type).toBe('unprocessable_entity');
    }
    const path = `/admin/v1/accounts/${account.accountId}/feature_flags`;
    for (const [flag, body] of [['zones', {}], ['zones', { enabled: 1 }], ['zones', { enabled: true, extra: 1 }], ['Zones', { enabled: true }], ['x'.repeat(65), { enabled: true }]] as const) {
      const response = await server.operator.put(`${path}/${flag}`, body);
      expect(response.status, `${flag} ${JSON.stringify(body)}`).toBe(flag.length > 64 ? 404 : 400);
    }
    expect((await server.operator.put('/admin/v1/accounts/no-such-account/feature_flags/zones', { enabled: false })).status).toBe(404);
    expect((await account.put(`${path}/zones`, { enabled: false })).status).toBe(401);
    expect((await account.get('/preview/v2/feature_flags')).body.data.every((flag: { enrolled: boolean }) => flag.enrolled)).toBe(true);
  });

  it('let the operator set at most 100 flags per account', async () => {
    const account = await server.newAccount();
    const path = `/admin/v1/accounts/${account.accountId}/feature_flags`;
    for (let i = 0; i < 100; i++) expect((await server.operator.put(`${path}/flag-${i}`, { enabled: true })).status).toBe(200);
    const over = await server.operator.put(`${path}/flag-100`, { enabled: true });
    expect(over.status).toBe(422);
    expect((await server.operator.put(`${path}/flag-7`, { enabled: false })).status).toBe(200);
    expect((await account.get('/preview/v2/feature_flags')).body.data).toHaveLength(103);
  });
});
