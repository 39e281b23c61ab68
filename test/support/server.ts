// Starts a real allot server for API tests: the same buildServer `allot serve` uses, listening
// on a free port, over a fresh store, on a manual clock. Tests talk to it over HTTP.

import { establishOperatorToken } from '../../src/app/auth.js';
import { type AppContext, cryptoRandom } from '../../src/app/context.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { buildServer } from '../../src/http/server.js';
import type { StoreDialect } from '../../src/store/store.js';
import { ApiClient } from './client.js';
import { openTestStore, type TestStore } from './stores.js';

/** 2026-01-01T00:00:00Z: tests start their manual clock here. */
export const testEpoch = 1767225600;

export const testOperatorToken = 'allot_admin_test-operator-token';

export interface TestServer {
  readonly baseUrl: string;
  readonly context: AppContext;
  readonly clock: ManualClock;
  readonly testStore: TestStore;
  /** A client authenticated as the operator. */
  readonly operator: ApiClient;
  /** A client with no token. */
  readonly anonymous: ApiClient;
  /** Creates an account and returns a client authenticated as it. */
  newAccount(name?: string): Promise<ApiClient & { accountId: string }>;
  close(): Promise<void>;
}

let accountCounter = 0;

export async function startTestServer(dialect: StoreDialect): Promise<TestServer> {
  const testStore = await openTestStore(dialect, testEpoch);
  const clock = new ManualClock(testEpoch);
  const context: AppContext = { store: testStore.store, clock, random: cryptoRandom };
  const operatorToken = await establishOperatorToken(context, testOperatorToken);
  const app = await buildServer({ context, operatorTokenHash: operatorToken.hash, logLevel: 'silent' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const operator = new ApiClient(baseUrl, testOperatorToken);
  return {
    baseUrl,
    context,
    clock,
    testStore,
    operator,
    anonymous: new ApiClient(baseUrl, null),
    async newAccount(name = `Account ${++accountCounter}`) {
      const created = await operator.post('/admin/v1/accounts', { name });
      if (created.status !== 201) throw new Error(`account creation failed: ${JSON.stringify(created.body)}`);
      const body = created.body as { id: string; token: string };
      return Object.assign(new ApiClient(baseUrl, body.token), { accountId: body.id });
    },
    async close() {
      await app.close();
      await testStore.dispose();
    },
  };
}
