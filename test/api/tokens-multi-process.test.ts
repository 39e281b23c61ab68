// Two allot processes over one PostgreSQL database: a token revoked through one is refused by the
// other from the next request on, though that one had just accepted it.

import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';

const operatorToken = 'tokens-multi-process-operator';

describe.runIf(testDialects.includes('postgres'))('token revocation across allot processes on one PostgreSQL database', { timeout: 120_000 }, () => {
  const schema = `allot_tokens_multi_${process.pid}`;
  afterAll(() => dropSchema(schema));

  it('refuses a revoked token on every process at once', async () => {
    const db = await freshSchema(schema);
    const env = { ALLOT_ADMIN_TOKEN: operatorToken };
    const first = await startServeProcess(['--db', db, '--seed', 'none'], env);
    const second = await startServeProcess(['--db', db, '--seed', 'none'], env);
    try {
      const operator = new ApiClient(first.baseUrl, operatorToken);
      const account = await operator.post('/admin/v1/accounts', { name: 'Revoker' });
      const issued = await operator.post(`/admin/v1/accounts/${account.body.id}/tokens`, { name: 'shared' });
      const viaFirst = new ApiClient(first.baseUrl, issued.body.token);
      const viaSecond = new ApiClient(second.baseUrl, issued.body.token);
      // Both processes have accepted it, and would have remembered it if they cached tokens.
      for (let i = 0; i < 3; i++) {
        expect((await viaFirst.get('/preview/v2/me')).status).toBe(200);
        expect((await viaSecond.get('/preview/v2/me')).status).toBe(200);
      }
      const revoked = await operator.delete(`/admin/v1/tokens/${issued.body.id}`);
      expect(revoked.status).toBe(200);
      expect((await viaSecond.get('/preview/v2/me')).status).toBe(401);
      expect((await viaFirst.get('/preview/v2/me')).status).toBe(401);

      // And a token revoked by its own account through /v0/tokens, too.
      const other = await operator.post(`/admin/v1/accounts/${account.body.id}/tokens`, {});
      const otherViaSecond = new ApiClient(second.baseUrl, other.body.token);
      expect((await otherViaSecond.get('/preview/v2/me')).status).toBe(200);
      const deleted = await new ApiClient(first.baseUrl, account.body.token).delete(`/v0/tokens/${other.body.id}`);
      expect(deleted.status).toBe(200);
      expect((await otherViaSecond.get('/preview/v2/me')).status).toBe(401);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
