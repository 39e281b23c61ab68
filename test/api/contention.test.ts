// A request whose transaction meets concurrent changes (deadlocks, serialization failures) on
// every attempt answers 503 with Retry-After in SF Compute's envelope, never a 500, and changes
// nothing (store/store.ts StoreContended), on both stores.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('a request that meets conflicts on every attempt (%s)', (dialect) => {
  let server: TestServer;
  /** While set, every transaction fails as a deadlock would before doing anything. */
  let conflicted = false;
  const conflict = () => Object.assign(new Error('deadlock detected'), { code: dialect === 'sqlite' ? 'SQLITE_BUSY' : '40P01' });
  const conflicting = (store: Store): Store =>
    new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'transaction') {
          return (work: Parameters<Store['transaction']>[0]) =>
            target.transaction(async (tx) => {
              if (conflicted) throw conflict();
              return work(tx);
            });
        }
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  beforeAll(async () => {
    server = await startTestServer(dialect, { wrapStore: conflicting });
  });
  afterAll(() => server.close());

  it('answers 503 with Retry-After in the envelope, and leaves nothing behind', async () => {
    const account = await server.newAccount();
    conflicted = true;
    const answer = await account.post('/preview/v2/pools', { workspace: 'default', name: 'contended' });
    conflicted = false;
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.headers.get('x-request-id')).toMatch(/^req_/);
    expect(answer.body.error.type).toBe('service_unavailable');
    expect(answer.body.error.message).toMatch(/concurrent changes.*retry/);
    expect((await account.get('/preview/v2/pools/contended')).status).toBe(404);
    expect((await account.post('/preview/v2/pools', { workspace: 'default', name: 'contended' })).status).toBe(201);
  });
});
