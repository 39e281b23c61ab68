// The clock: the operator reads it and advances the manual clock; under the real clock an
// advance is a 409. Pools read "now" only from it.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('the clock on %s', (dialect) => {
  let manual: TestServer;
  let real: TestServer;
  beforeAll(async () => {
    manual = await startTestServer(dialect);
    real = await startTestServer(dialect, { clock: 'real' });
  });
  afterAll(async () => {
  afterEach(async () => expect(await manual.audit()).toEqual([]));
    await manual.close();
    await real.close();
  });

  it('stands still until advanced, and pools follow it', async () => {
    const before = await manual.operator.get('/admin/v1/clock');
    expect(before.body).toEqual({ object: 'clock', mode: 'manual', now: testEpoch });
    // The Date header tells the clock's time, the one after an advance too.
    expect(Date.parse(before.headers.get('date')!) / 1000).toBe(testEpoch);
    const account = await manual.newAccount();
    const sku = await manual.newInstanceSku();
    const pool = await account.post('/preview/v2/pools', { workspace: 'default', name: 'clocked' });
    await manual.issue(pool.body.id, sku, [{ start_at: testEpoch + 120, end_at: testEpoch + 240, node_count: 1 }]);

    const advanced = await manual.operator.post('/admin/v1/clock/advance', { seconds: 150 });
    expect(advanced.body).toEqual({ object: 'clock', mode: 'manual', now: testEpoch + 150 });
    expect(Date.parse(advanced.headers.get('date')!) / 1000).toBe(testEpoch + 150);
    expect((await manual.operator.get('/admin/v1/clock')).body.now).toBe(testEpoch + 150);
    expect((await account.get(`/preview/v2/pools/${pool.body.id}`)).body.allocation_schedule.total).toEqual([
      { start_at: testEpoch + 120, end_at: testEpoch + 240, node_count: 1 },
      { start_at: testEpoch + 240, end_at: null, node_count: 0 },
    ]);
    expect((await account.post('/preview/v2/pools', { workspace: 'default' })).body.created_at).toBe(testEpoch + 150);
  });

  it('refuses advances that are not a positive whole number of seconds', async () => {
    for (const body of [{ seconds: 0 }, { seconds: -60 }, { seconds: 1.5 }, { seconds: '60' }, {}, { seconds: 400 * 24 * 3600 }]) {
      const response = await manual.operator.post('/admin/v1/clock/advance', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('answers 409 to an advance of the real clock', async () => {
    const reading = await real.operator.get('/admin/v1/clock');
    expect(reading.body.mode).toBe('real');
    expect(Math.abs(reading.body.now - Date.now() / 1000)).toBeLessThan(5);
    const response = await real.operator.post('/admin/v1/clock/advance', { seconds: 60 });
    expect(response.status).toBe(409);
    expect(response.body.error.type).toBe('conflict');
  });

  it('is read by anyone, and moved by the operator alone', async () => {
    const account = await manual.newAccount();
    const now = (await manual.operator.get('/admin/v1/clock')).body.now;
    expect((await account.get('/admin/v1/clock')).body).toEqual({ object: 'clock', mode: 'manual', now });
    expect((await manual.anonymous.get('/admin/v1/clock')).body).toEqual({ object: 'clock', mode: 'manual', now });
    expect((await account.post('/admin/v1/clock/advance', { seconds: 60 })).status).toBe(401);
    expect((await manual.anonymous.post('/admin/v1/clock/advance', { seconds: 60 })).status).toBe(401);
  });
});
