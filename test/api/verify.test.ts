// The verify switch (app/operator/verify.ts): with it on, as the test server has it, every
// transaction that would commit a state failing the audit rolls back and answers 500. SQLite
// only: the test server verifies there alone (see test/support/server.ts for why).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/domain/kernel/schedule.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects.filter((dialect) => dialect === 'sqlite'))('the verify switch on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('refuses to commit on top of a state that fails its audit, and commits again once it is sound', async () => {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'verified' })).body.id as string;
    expect((await account.post('/preview/v2/pools', { workspace: 'default', name: 'before' })).status).toBe(201);

    // A balance no ledger entry accounts for, written behind the use cases' back.
    const now = server.clock.now();
    const forged = normalize([{ at: now, count: 1 }, { at: now + 3600, count: 0 }]);
    await server.testStore.store.transaction(async (tx) => {
      const [balance] = await tx.allocation.lockBalances([{ poolId: pool, instanceSkuId: sku }]);
      await tx.allocation.setBalances([{ balance: { ...balance!, schedule: forged }, nextBoundaryAt: now + 3600 }]);
    });

    const refused = await account.post('/preview/v2/pools', { workspace: 'default', name: 'after' });
    expect(refused.status).toBe(500);
    expect((await account.get('/preview/v2/pools/after')).status).toBe(404);

    await server.testStore.store.transaction(async (tx) => {
      const [balance] = await tx.allocation.lockBalances([{ poolId: pool, instanceSkuId: sku }]);
      await tx.allocation.setBalances([{ balance: { ...balance!, schedule: normalize([]) }, nextBoundaryAt: null }]);
    });
    expect((await account.post('/preview/v2/pools', { workspace: 'default', name: 'after' })).status).toBe(201);
  });
});
