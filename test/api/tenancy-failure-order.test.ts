// Tenancy's operations refuse a request wrong in every way they check for the first declared
// failure (domain/tenancy/operations.ts), then the next once that one is fixed, until the
// request succeeds; as test/api/failure-order.test.ts walks the market's and allocation's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../src/domain/kernel/operations.js';
import { addUserOperation, issueOperatorTokenOperation, setAccountFeatureFlagOperation, setFeatureFlagEnrollmentOperation } from '../../src/domain/tenancy/operations.js';
import { failureStatus } from '../../src/http/errors.js';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

async function walk(op: Operation, attempt: (fixed: number) => Promise<ApiResponse>, messages: readonly RegExp[], success: number) {
  expect(messages.length, `${op.name}: one message per declared step`).toBe(op.failures.length);
  for (const [index, [code, condition]] of op.failures.entries()) {
    const response = await attempt(index);
    const { status, type } = failureStatus[code];
    expect({ step: index, condition, status: response.status, type: response.body?.error?.type }).toEqual({ step: index, condition, status, type });
    expect(response.body.error.message, `${op.name} step ${index} (${code}): ${condition}`).toMatch(messages[index]!);
  }
  const done = await attempt(op.failures.length);
  expect(done.status, JSON.stringify(done.body)).toBe(success);
}

describe.each(testDialects)('tenancy failures in declared order on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());

  it('issues an operator token', async () => {
    const user = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'walker@example.com' })).body.id;
    await walk(issueOperatorTokenOperation, (fixed) => server.operator.post(`/admin/v1/accounts/${fixed > 3 ? account.accountId : 'no-such-account'}/tokens`, {
      name: fixed > 0 ? 'ok' : 'x'.repeat(101),
      description: fixed > 1 ? 'ok' : 'x'.repeat(1001),
      expires_at: fixed > 2 ? server.clock.now() + 60 : server.clock.now(),
      user: fixed > 4 ? user : 'user_nosuchuser',
    }), [/name/, /description/, /expires_at/, /account/, /user/], 201);
  });

  it('adds a user', async () => {
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'taken@example.com' });
    await walk(addUserOperation, (fixed) => server.operator.post(`/admin/v1/accounts/${fixed > 3 ? account.accountId : 'no-such-account'}/users`, {
      email: fixed > 0 ? (fixed > 4 ? 'free@example.com' : 'Taken@example.com') : 'not-an-address',
      first_name: fixed > 1 ? 'Ok' : 'x'.repeat(256),
      last_name: fixed > 2 ? 'Ok' : 'x'.repeat(256),
    }), [/email/, /first_name/, /last_name/, /account/, /email/], 201);
  });

  it('sets a feature flag enrolment', async () => {
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/zones`, { enabled: false, user_enroll: false });
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/closed`, { enabled: false, user_enroll: false });
    await walk(setFeatureFlagEnrollmentOperation, (fixed) =>
      account.post(`/preview/v2/feature_flags/${['not-listed', 'zones', 'procurements'][fixed]}`, { enrolled: true }), [/not-listed/, /zones/], 200);
  });

  it('sets an account\'s feature flag', async () => {
    const full = await server.newAccount();
    for (let i = 0; i < 100; i++) await server.operator.put(`/admin/v1/accounts/${full.accountId}/feature_flags/f-${i}`, { enabled: true });
    await walk(setAccountFeatureFlagOperation, (fixed) =>
      server.operator.put(`/admin/v1/accounts/${fixed > 1 ? full.accountId : 'no-such-account'}/feature_flags/${fixed > 0 ? (fixed > 2 ? 'f-1' : 'f-100') : 'Not.Valid'}`, { enabled: false }),
    [/feature flag name/, /account/, /100/], 200);
  });
});
