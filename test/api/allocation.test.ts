// Allocation in pools: the operator issues and retires it, pools show it canonically from the
// current minute, and every malformed schedule is refused without changing anything.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const t = testEpoch;

describe.each(testDialects)('allocation on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function newPool(name: string) {
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name });
    return created.body.id as string;
  }

  it('shows issued allocation from the current minute, with explicit zeros and an open tail', async () => {
    const pool = await newPool('issued');
    const issued = await server.operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: t + 60, end_at: t + 3660, node_count: 2 }] });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ object: 'allocation_entry', kind: 'issuance', pool, instance_sku: { id: sku }, created_at: t });
    expect(issued.body.allocation_schedule).toEqual([
      { start_at: t + 60, end_at: t + 3660, node_count: 2 },
      { start_at: t + 3660, end_at: null, node_count: 0 },
    ]);
    const expected = [
      { start_at: t, end_at: t + 60, node_count: 0 },
      { start_at: t + 60, end_at: t + 3660, node_count: 2 },
      { start_at: t + 3660, end_at: null, node_count: 0 },
    ];
    const read = await account.get(`/preview/v2/pools/${pool}`);
    expect(read.body.allocation_schedule).toEqual({ total: expected, by_instance_sku: { [sku]: expected } });
    const listed = await account.get(`/preview/v2/pools?id=${pool}`);
    expect(listed.body.data[0].allocation_schedule.total).toEqual(expected);
  });

  it('sums SKUs into the total and shows past minutes on request', async () => {
    const other = await server.newInstanceSku();
    const pool = await newPool('two-skus');
    await server.issue(pool, sku, [{ start_at: t, end_at: t + 1200, node_count: 1 }]);
    await server.issue(pool, other, [{ start_at: t + 600, end_at: null, node_count: 2 }]);
    await server.advance(300);
    const read = await account.get(`/preview/v2/pools/${pool}`);
    expect(read.body.allocation_schedule.total).toEqual([
      { start_at: t + 300, end_at: t + 600, node_count: 1 },
      { start_at: t + 600, end_at: t + 1200, node_count: 3 },
      { start_at: t + 1200, end_at: null, node_count: 2 },
    ]);
    const withHistory = await account.get(`/preview/v2/pools/${pool}?schedule_history_minutes=10`);
    expect(withHistory.body.allocation_schedule.by_instance_sku[sku]).toEqual([
      { start_at: t - 300, end_at: t, node_count: 0 },
      { start_at: t, end_at: t + 1200, node_count: 1 },
      { start_at: t + 1200, end_at: null, node_count: 0 },
    ]);
    const listed = await account.get(`/preview/v2/pools?id=${pool}&schedule_history_minutes=10`);
    expect(listed.body.data[0].allocation_schedule).toEqual(withHistory.body.allocation_schedule);
  });

  it('leaves a SKU out of by_instance_sku once its allocation is over', async () => {
    const pool = await newPool('expired');
    const now = server.clock.now();
    await server.issue(pool, sku, [{ start_at: now, end_at: now + 60, node_count: 1 }]);
    expect((await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku).toHaveProperty(sku);
    expect((await account.delete(`/preview/v2/pools/${pool}`)).status).toBe(422);
    await server.advance(60);
    expect((await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule).toEqual({ total: [], by_instance_sku: {} });
    expect((await account.delete(`/preview/v2/pools/${pool}`)).status).toBe(204);
  });

  it('retires allocation, and refuses to retire more than the pool holds', async () => {
    const pool = await newPool('retiring');
    const now = server.clock.now();
    await server.issue(pool, sku, [{ start_at: now, end_at: now + 3600, node_count: 4 }]);
    const refused = await server.operator.post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: now + 1800, end_at: now + 7200, node_count: 1 }] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain(`at ${now + 3600}`);
    expect(refused.body.error.details[0]).toMatchObject({ field: 'allocation_schedule', code: 'insufficient_allocation' });
    const retired = await server.operator.post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: now + 1800, end_at: now + 3600, node_count: 3 }] });
    expect(retired.status).toBe(201);
    expect(retired.body.kind).toBe('retirement');
    expect((await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.total).toEqual([
      { start_at: now, end_at: now + 1800, node_count: 4 },
      { start_at: now + 1800, end_at: now + 3600, node_count: 1 },
      { start_at: now + 3600, end_at: null, node_count: 0 },
    ]);
  });

  it('names pools by resource path and SKUs by their legacy prefix', async () => {
    const pool = await account.post('/preview/v2/pools', { workspace: 'default', name: 'by-path' });
    const now = server.clock.now();
    const issued = await server.operator.post('/admin/v1/allocations', { pool: pool.body.resource_path, instance_sku: sku.replace('isku_', 'clus_'), allocation_schedule: [{ start_at: now, node_count: 1 }] });
    expect(issued.status).toBe(201);
    expect(issued.body.instance_sku.id).toBe(sku);
    expect((await account.get('/preview/v2/pools/by-path')).body.allocation_schedule.by_instance_sku).toEqual({ [sku]: [{ start_at: now, end_at: null, node_count: 1 }] });
    expect((await server.operator.post('/admin/v1/allocations', { pool: 'pool_nope', instance_sku: sku, allocation_schedule: [{ start_at: now, node_count: 1 }] })).status).toBe(404);
    expect((await server.operator.post('/admin/v1/allocations', { pool: pool.body.id, instance_sku: 'isku_nope', allocation_schedule: [{ start_at: now, node_count: 1 }] })).status).toBe(404);
  });

  describe('malformed schedules are 400s with details and change nothing', () => {
    const cases: [string, (now: number) => unknown, string][] = [
      ['misaligned start', (now) => [{ start_at: now + 30, end_at: now + 120, node_count: 1 }], 'allocation_schedule.0.start_at'],
      ['misaligned end', (now) => [{ start_at: now, end_at: now + 90, node_count: 1 }], 'allocation_schedule.0.end_at'],
      ['overlapping', (now) => [{ start_at: now, end_at: now + 180, node_count: 1 }, { start_at: now + 120, end_at: now + 240, node_count: 1 }], 'allocation_schedule.1.start_at'],
      ['unsorted', (now) => [{ start_at: now + 180, end_at: now + 240, node_count: 1 }, { start_at: now, end_at: now + 60, node_count: 1 }], 'allocation_schedule.1.start_at'],
      ['negative', (now) => [{ start_at: now, end_at: now + 60, node_count: -2 }], 'allocation_schedule.0.node_count'],
      ['null end not last', (now) => [{ start_at: now, end_at: null, node_count: 1 }, { start_at: now + 60, end_at: now + 120, node_count: 1 }], 'allocation_schedule.0.end_at'],
      ['empty', () => [], 'allocation_schedule'],
      ['in the past', (now) => [{ start_at: now - 60, end_at: now + 60, node_count: 1 }], 'allocation_schedule.0.start_at'],
      ['a fractional count', (now) => [{ start_at: now, end_at: now + 60, node_count: 1.5 }], 'allocation_schedule.0.node_count'],
      ['a string time', (now) => [{ start_at: String(now), end_at: now + 60, node_count: 1 }], 'allocation_schedule.0.start_at'],
      ['not a list', () => ({ start_at: 0 }), 'allocation_schedule'],
    ];

    it.each(cases)('%s', async (_case, schedule, field) => {
      const pool = await account.post('/preview/v2/pools', { workspace: 'default' });
      const before = await server.operator.get('/admin/v1/audit');
      const response = await server.operator.post('/admin/v1/allocations', { pool: pool.body.id, instance_sku: sku, allocation_schedule: schedule(server.clock.now()) });
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
      expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
      expect((await account.get(`/preview/v2/pools/${pool.body.id}`)).body.allocation_schedule).toEqual({ total: [], by_instance_sku: {} });
      expect((await server.operator.get('/admin/v1/audit')).body).toEqual(before.body);
    });
  });
});
