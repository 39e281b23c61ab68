// Idempotent replays answer the stored response byte for byte (app/kernel/idempotency.ts,
// runIdempotentAnswer), whatever happened since: an instance replacement, a pool transfer, a v0
// order, a v0 procurement and a v0 VM replacement, each replayed after what it made or moved has
// changed. (Orders: test/api/orders.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('idempotent replays answer byte for byte on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string; token: string };
  let sku: string;
  let pool: string;
  const image = 'ubuntu-22.04-cuda-12.4';

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = (await server.newAccount()) as typeof account;
    sku = await server.newInstanceSku('replay-sku');
    pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'replays' })).body.id;
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1000 })).status).toBe(201);
  });
  afterAll(() => server.close());

  /** Sends the same request with the same key, as raw HTTP, so that the body's exact text is seen. */
  const sender = (path: string, body: unknown, key: string) => async () => {
    const response = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  async function expectSameAnswer(send: () => Promise<{ status: number; type: string | null; text: string }>, change: (first: any) => Promise<void>, status: number) {
    const first = await send();
    expect(first.status, first.text).toBe(status);
    await change(JSON.parse(first.text));
    const replayed = await send();
    expect(replayed).toEqual(first);
  }

  it('replays an instance replacement after the replacement was terminated', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'replaced-once' })).body.id as string;
    await expectSameAnswer(sender(`/preview/v2/instances/${old}/replace`, { image, name: 'replacement' }, 'replace-1'), async (first) => {
      expect((await account.post(`/preview/v2/instances/${first.id}/terminate`, {})).body.status).toBe('terminated');
    }, 201);
  });

  it('replays a v0 VM replacement after the new VM was terminated', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-replaced' })).body.id as string;
    await expectSameAnswer(sender('/v0/vms/replace', { vm_id: old.replace(/^inst_/, 'vm_') }, 'vm-replace-1'), async (first) => {
      expect((await account.post(`/preview/v2/instances/${String(first.replaced_by).replace(/^vm_/, 'inst_')}/terminate`, {})).status).toBe(200);
    }, 200);
  });

  it('replays a v0 VM replacement after the replaced VM was deleted', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-deleted' })).body.id as string;
    await expectSameAnswer(sender('/v0/vms/replace', { vm_id: old.replace(/^inst_/, 'vm_') }, 'vm-replace-2'), async () => {
      expect((await account.delete(`/preview/v2/instances/${old}`)).status).toBe(204);
      expect((await account.get(`/preview/v2/instances/${old}`)).status).toBe(404);
    }, 200);
  });

  it('replays an instance replacement after the replaced instance was deleted', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'replaced-deleted' })).body.id as string;
    await expectSameAnswer(sender(`/preview/v2/instances/${old}/replace`, { image, name: 'replacement-2' }, 'replace-2'), async () => {
      expect((await account.delete(`/preview/v2/instances/${old}`)).status).toBe(204);
    }, 201);
  });

  it('a key reused on another VM is refused, a deleted VM without a key is a 404', async () => {
    const other = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-other' })).body.id as string;
    const reused = await sender('/v0/vms/replace', { vm_id: other.replace(/^inst_/, 'vm_') }, 'vm-replace-2')();
    expect(reused.status, reused.text).toBe(409);
    const gone = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-gone' })).body.id as string;
    expect((await account.post(`/preview/v2/instances/${gone}/terminate`, {})).status).toBe(200);
    expect((await account.delete(`/preview/v2/instances/${gone}`)).status).toBe(204);
    expect((await account.post('/v0/vms/replace', { vm_id: gone.replace(/^inst_/, 'vm_') })).status).toBe(404);
  });

  it('replays a pool transfer after the allocation it moved was moved back', async () => {
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600;
    const destination = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'replayed-destination' })).body.id as string;
    await server.issue(pool, sku, [{ start_at: start, end_at: start + 3600, node_count: 1 }]);
    const move = (from: string, to: string) => ({ from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }] });
    await expectSameAnswer(sender('/preview/v2/pool_transfers', move(pool, destination), 'transfer-1'), async () => {
      expect((await account.post('/preview/v2/pool_transfers', move(destination, pool))).body.status).toBe('executed');
    }, 202);
  });

  it('replays a v0 order after it was cancelled', async () => {
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600;
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    await expectSameAnswer(sender('/v0/orders', { side: 'buy', instance_type: 'h100i', quantity: 1, start_at: iso(start), end_at: iso(start + 3600), price: 100 }, 'v0-order-1'), async (first) => {
      expect((await account.delete(`/v0/orders/${first.id}`)).status).toBe(200);
      expect((await account.get(`/v0/orders/${first.id}`)).body.status).not.toBe(first.status);
    }, 201);
  });

  it('replays a v0 procurement after it was changed', async () => {
    await expectSameAnswer(sender('/v0/procurements', { instance_type: 'h100i', desired_quantity: 0, buy_limit_price_per_gpu_hour: 100, colocation_strategy: { type: 'anywhere' } }, 'v0-procurement-1'), async (first) => {
      expect((await account.patch(`/v0/procurements/${first.id}`, { buy_limit_price_per_gpu_hour: 150, status: 'disabled' })).status).toBe(200);
    }, 200);
  });
});
