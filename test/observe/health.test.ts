// GET /healthz on both stores: the version, the store's kind and reachability, the clock, and
// whether this process leads time-driven work; 503 when the store does not answer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/app/operator/observations.js';
import type { AppContext } from '../../src/app/kernel/context.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('health on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('reports version, store, clock and leadership without a token', async () => {
    const health = await server.anonymous.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      object: 'health',
      status: 'ok',
      version: '0.1.0',
      store: { kind: dialect, reachable: true },
      clock: { kind: 'manual', now: server.clock.now() },
      // SQLite's one process always leads; on PostgreSQL nothing has taken the lock yet (the
      // manual clock runs no engine), and asking does not take it.
      leadership: { leader: dialect === 'sqlite' },
    });
    expect((await server.anonymous.get('/healthz')).body.leadership.leader).toBe(dialect === 'sqlite');
    expect(await server.context.store.isLeader()).toBe(true);
    expect((await server.anonymous.get('/healthz')).body.leadership.leader).toBe(true);
  });

  it('follows the clock', async () => {
    const now = await server.advance(600);
    expect((await server.anonymous.get('/healthz')).body.clock).toEqual({ kind: 'manual', now });
  });

  it('keeps SF Compute\'s own /v1/_healthz as it is', async () => {
    const response = await fetch(`${server.baseUrl}/v1/_healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });
});

describe('health of a store that does not answer', () => {
  const context = (read: () => Promise<unknown>) =>
    ({ store: { dialect: 'postgres', read, holdsLeadership: async () => true }, clock: { mode: 'real', now: () => 1_767_225_600 } }) as unknown as AppContext;

  it('is unhealthy when the store fails', async () => {
    const health = await checkHealth(context(() => Promise.reject(new Error('connection refused'))), 1000);
    expect(health).toMatchObject({ healthy: false, store: { kind: 'postgres', reachable: false, error: 'connection refused' }, leader: false });
  });

  it('is unhealthy when the store hangs past the timeout', async () => {
    const health = await checkHealth(context(() => new Promise(() => undefined)), 50);
    expect(health).toMatchObject({ healthy: false, store: { reachable: false, error: 'the store did not answer within 50 ms' } });
  });
});
