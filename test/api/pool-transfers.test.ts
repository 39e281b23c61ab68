// Pool transfers (seed 002): executed or rejected with the first short minute, idempotent by
// key, confined to the caller's pools, listed with filters, and safe under concurrency.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('pool transfers on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;
  let now: number;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('transfer-sku');
    now = server.clock.now();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function poolWith(name: string, nodes: number, workspace = 'default') {
    const created = await account.post('/preview/v2/pools', { workspace, name });
    if (nodes > 0) await server.issue(created.body.id, sku, [{ start_at: now, end_at: now + 7200, node_count: nodes }]);
    return created.body.id as string;
  }

  async function scheduleOf(pool: string) {
    return (await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[sku] ?? [];
  }

  it('executes a transfer the source can afford, moving allocation between the pools', async () => {
    const from = await poolWith('source', 4);
    const to = await poolWith('destination', 0);
    const response = await account.post('/preview/v2/pool_transfers', {
      from_pool: from,
      to_pool: to,
      instance_sku: sku,
      allocation_schedule_delta: [{ start_at: now + 600, end_at: now + 1800, node_count: 3 }],
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      object: 'pool_transfer',
      status: 'executed',
      created_at: now,
      from_pool: from,
      to_pool: to,
      instance_sku: { object: 'instance_sku', id: sku, alias: 'transfer-sku' },
      rejected_reason: null,
      allocation_schedule_delta: [
        { start_at: now + 600, end_at: now + 1800, node_count: 3 },
        { start_at: now + 1800, end_at: null, node_count: 0 },
      ],
    });
    expect(response.body.id).toMatch(/^pxfr_/);
    expect(await scheduleOf(from)).toEqual([
      { start_at: now, end_at: now + 600, node_count: 4 },
      { start_at: now + 600, end_at: now + 1800, node_count: 1 },
      { start_at: now + 1800, end_at: now + 7200, node_count: 4 },
      { start_at: now + 7200, end_at: null, node_count: 0 },
    ]);
    expect(await scheduleOf(to)).toEqual([
      { start_at: now, end_at: now + 600, node_count: 0 },
      { start_at: now + 600, end_at: now + 1800, node_count: 3 },
      { start_at: now + 1800, end_at: null, node_count: 0 },
    ]);
    const fetched = await account.get(`/preview/v2/pool_transfers/${response.body.id}`);
    expect(fetched.body).toEqual(response.body);
    expect((await account.get(`/preview/v2/pool_transfers/${response.body.id.replace('pxfr_', 'cxfr_')}`)).body).toEqual(response.body);
  });

  it('rejects a transfer the source cannot afford, naming the first short minute, and moves nothing', async () => {
    const from = await poolWith('short-source', 2);
    const to = await poolWith('short-destination', 0);
    const before = await scheduleOf(from);
    const response = await account.post('/preview/v2/pool_transfers', {
      from_pool: from,
      to_pool: to,
      instance_sku: sku,
      allocation_schedule_delta: [{ start_at: now, end_at: now + 3600, node_count: 2 }, { start_at: now + 3600, end_at: now + 9000, node_count: 1 }],
    });
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('rejected');
    expect(response.body.rejected_reason).toContain(`at ${now + 7200}`);
    expect(response.body.rejected_reason).toContain('holds 0 node(s)');
    expect(response.body.rejected_reason).toContain('short by 1');
    expect(await scheduleOf(from)).toEqual(before);
    expect(await scheduleOf(to)).toEqual([]);
  });

  it('moves allocation between workspaces, and takes pools by resource path and name', async () => {
    await account.post('/preview/v2/workspaces', { name: 'team-b' });
    const from = await poolWith('cross-source', 2);
    const to = await poolWith('cross-destination', 0, 'team-b');
    const response = await account.post('/preview/v2/pool_transfers', {
      from_pool: 'cross-source',
      to_pool: `sfc:pool:${account.accountId}:team-b:cross-destination`,
      instance_sku: sku.replace('isku_', 'clus_'),
      allocation_schedule_delta: [{ start_at: now, end_at: now + 3600, node_count: 1 }],
    });
    expect(response.body).toMatchObject({ status: 'executed', from_pool: from, to_pool: to });
    expect(response.body.instance_sku.id).toBe(sku);
  });

  describe('Idempotency-Key', () => {
    it('answers a repeated request with the original transfer and moves allocation once', async () => {
      const from = await poolWith('idem-source', 3);
      const to = await poolWith('idem-destination', 0);
      const body = { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 600, node_count: 1 }] };
      const headers = { 'idempotency-key': 'transfer-once' };
      const first = await account.post('/preview/v2/pool_transfers', body, headers);
      const again = await account.post('/preview/v2/pool_transfers', { ...body, allocation_schedule_delta: [{ node_count: 1, end_at: now + 600, start_at: now }] }, headers);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      expect((await scheduleOf(to))[0]).toEqual({ start_at: now, end_at: now + 600, node_count: 1 });
      const listed = await account.get(`/preview/v2/pool_transfers?pool=${to}`);
      expect(listed.body.data).toHaveLength(1);
    });

    it('refuses the same key with another body, and keeps keys apart between accounts', async () => {
      const from = await poolWith('idem2-source', 3);
      const to = await poolWith('idem2-destination', 0);
      const body = { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 600, node_count: 1 }] };
      const headers = { 'idempotency-key': 'reused-key' };
      expect((await account.post('/preview/v2/pool_transfers', body, headers)).status).toBe(202);
      const changed = await account.post('/preview/v2/pool_transfers', { ...body, allocation_schedule_delta: [{ start_at: now, end_at: now + 600, node_count: 2 }] }, headers);
      expect(changed.status).toBe(409);
      expect(changed.body.error.type).toBe('idempotency_error');

      const other = await server.newAccount();
      const theirs = await other.post('/preview/v2/pools', { workspace: 'default', name: 'a' });
      const theirsToo = await other.post('/preview/v2/pools', { workspace: 'default', name: 'b' });
      const separate = await other.post('/preview/v2/pool_transfers', { from_pool: theirs.body.id, to_pool: theirsToo.body.id, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 0 }] }, headers);
      expect(separate.status).toBe(202);
      expect(separate.body.status).toBe('executed');
    });

    it('stores no key for a refused request, so a corrected retry goes through', async () => {
      const from = await poolWith('idem3-source', 1);
      const to = await poolWith('idem3-destination', 0);
      const headers = { 'idempotency-key': 'corrected' };
      const bad = await account.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now + 1, node_count: 1 }] }, headers);
      expect(bad.status).toBe(422);
      const good = await account.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 1 }] }, headers);
      expect(good.status).toBe(202);
    });

    it('forgets a key after a day', async () => {
      const from = await poolWith('idem5-source', 0);
      const to = await poolWith('idem5-destination', 0);
      const body = { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 0 }] };
      const headers = { 'idempotency-key': 'for-a-day' };
      const first = await account.post('/preview/v2/pool_transfers', body, headers);
      await server.advance(24 * 3600 - 60);
      const later = server.clock.now();
      const changed = { ...body, allocation_schedule_delta: [{ start_at: later, end_at: later + 60, node_count: 0 }] };
      expect((await account.post('/preview/v2/pool_transfers', changed, headers)).status).toBe(409);
      await server.advance(60);
      const afterADay = await account.post('/preview/v2/pool_transfers', { ...body, allocation_schedule_delta: [{ start_at: later + 60, end_at: later + 120, node_count: 0 }] }, headers);
      expect(afterADay.status).toBe(202);
      expect(afterADay.body.id).not.toBe(first.body.id);
      now = server.clock.now();
    });

    it('refuses an over-long key', async () => {
      const from = await poolWith('idem4-source', 1);
      const to = await poolWith('idem4-destination', 0);
      const response = await account.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 1 }] }, { 'idempotency-key': 'k'.repeat(256) });
      expect(response.status).toBe(422);
      expect(response.body.error.details[0].field).toBe('idempotency-key');
    });
  });

  describe('refusals that leave no transfer behind', () => {
    let from: string;
    let to: string;
    beforeAll(async () => {
      from = await poolWith('refusal-source', 2);
      to = await poolWith('refusal-destination', 0);
    });

    async function expectRefused(body: Record<string, unknown>, status: number, field?: string) {
      const before = await account.get('/preview/v2/pool_transfers?limit=200');
      const response = await account.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 1 }], ...body });
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      if (field !== undefined) expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
      expect((await account.get('/preview/v2/pool_transfers?limit=200')).body.data).toEqual(before.body.data);
    }

    it('the same pool on both sides', () => expectRefused({ to_pool: from }, 422, 'to_pool'));
    it('a delta that starts before the current minute', () => expectRefused({ allocation_schedule_delta: [{ start_at: now - 60, end_at: now + 60, node_count: 1 }] }, 422, 'allocation_schedule_delta.0.start_at'));
    it('a misaligned delta', () => expectRefused({ allocation_schedule_delta: [{ start_at: now, end_at: now + 59, node_count: 1 }] }, 422, 'allocation_schedule_delta.0.end_at'));
    it('an overlapping delta', () => expectRefused({ allocation_schedule_delta: [{ start_at: now, end_at: now + 120, node_count: 1 }, { start_at: now + 60, end_at: now + 180, node_count: 1 }] }, 422, 'allocation_schedule_delta.1.start_at'));
    it('an empty delta', () => expectRefused({ allocation_schedule_delta: [] }, 422, 'allocation_schedule_delta'));
    it('a negative delta', () => expectRefused({ allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: -1 }] }, 422, 'allocation_schedule_delta.0.node_count'));
    it('a missing field', () => expectRefused({ instance_sku: undefined }, 422, 'instance_sku'));
    it('an unknown SKU', () => expectRefused({ instance_sku: 'isku_unknown' }, 404));
    it('an unknown pool', () => expectRefused({ to_pool: 'pool_unknown' }, 404));

    it("another account's pool, either side", async () => {
      const other = await server.newAccount();
      const theirs = await other.post('/preview/v2/pools', { workspace: 'default', name: 'theirs' });
      await expectRefused({ to_pool: theirs.body.id }, 404);
      await expectRefused({ from_pool: theirs.body.resource_path }, 404);
    });

    it('an originating pool as destination, and a read-only pool either side', async () => {
      const originating = await server.operator.post('/admin/v1/pools', { account: account.accountId, name: 'my-origin', kind: 'originating' });
      await expectRefused({ to_pool: originating.body.id }, 422);
      const readOnly = await server.operator.post('/admin/v1/pools', { account: account.accountId, name: 'frozen', kind: 'read_only' });
      await server.issue(readOnly.body.id, sku, [{ start_at: now, end_at: now + 60, node_count: 1 }]);
      await expectRefused({ to_pool: readOnly.body.id }, 422);
      await expectRefused({ from_pool: readOnly.body.id }, 422);
      // An originating pool may send.
      await server.issue(originating.body.id, sku, [{ start_at: now, end_at: now + 60, node_count: 1 }]);
      const sent = await account.post('/preview/v2/pool_transfers', { from_pool: originating.body.id, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 1 }] });
      expect(sent.body.status).toBe('executed');
    });
  });

  it('lists transfers by pool (either side) and by status, page by page', async () => {
    const a = await poolWith('list-a', 5);
    const b = await poolWith('list-b', 0);
    const c = await poolWith('list-c', 0);
    const delta = [{ start_at: now, end_at: now + 60, node_count: 1 }];
    const ab = await account.post('/preview/v2/pool_transfers', { from_pool: a, to_pool: b, instance_sku: sku, allocation_schedule_delta: delta });
    const bc = await account.post('/preview/v2/pool_transfers', { from_pool: b, to_pool: c, instance_sku: sku, allocation_schedule_delta: delta });
    const ca = await account.post('/preview/v2/pool_transfers', { from_pool: c, to_pool: a, instance_sku: sku, allocation_schedule_delta: [{ start_at: now, end_at: now + 60, node_count: 9 }] });
    expect(ca.body.status).toBe('rejected');
    const ids = (response: { body: { data: { id: string }[] } }) => response.body.data.map((transfer) => transfer.id);
    expect(ids(await account.get(`/preview/v2/pool_transfers?pool=${b}`))).toEqual([bc.body.id, ab.body.id]);
    expect(ids(await account.get(`/preview/v2/pool_transfers?pool=${a}&pool=list-c`))).toEqual([ca.body.id, bc.body.id, ab.body.id]);
    expect(ids(await account.get(`/preview/v2/pool_transfers?pool=${a}&status=rejected`))).toEqual([ca.body.id]);
    expect(ids(await account.get(`/preview/v2/pool_transfers?pool=${a}&status=executed`))).toEqual([ab.body.id]);
    const first = await account.get(`/preview/v2/pool_transfers?pool=${a}&pool=${c}&limit=2`);
    expect(first.body.cursor).toMatch(/^ptfrc_/);
    const second = await account.get(`/preview/v2/pool_transfers?pool=${a}&pool=${c}&limit=2&starting_after=${first.body.cursor}`);
    expect([...ids(first), ...ids(second)]).toEqual([ca.body.id, bc.body.id, ab.body.id]);
    expect((await account.get('/preview/v2/pool_transfers?status=done')).status).toBe(422);
    const other = await server.newAccount();
    expect((await other.get('/preview/v2/pool_transfers')).body.data).toEqual([]);
    expect((await other.get(`/preview/v2/pool_transfers/${ab.body.id}`)).status).toBe(404);
  });

  it('never overdraws a pool when 64 transfers race for more than it holds', async () => {
    const from = await poolWith('raced', 20);
    const destinations = await Promise.all(Array.from({ length: 4 }, (_, index) => poolWith(`race-destination-${index}`, 0)));
    const responses = await Promise.all(
      Array.from({ length: 64 }, (_, index) =>
        account.post('/preview/v2/pool_transfers', {
          from_pool: from,
          to_pool: destinations[index % destinations.length],
          instance_sku: sku,
          allocation_schedule_delta: [{ start_at: now, end_at: now + 3600, node_count: 1 + (index % 2) }],
        }),
      ),
    );
    expect(responses.every((response) => response.status === 202)).toBe(true);
    const executed = responses.filter((response) => response.body.status === 'executed');
    const moved = executed.reduce((sum, response) => sum + response.body.allocation_schedule_delta[0].node_count, 0);
    expect(moved).toBeLessThanOrEqual(20);
    expect(moved).toBeGreaterThanOrEqual(19);
    expect((await scheduleOf(from))[0]).toEqual({ start_at: now, end_at: now + 3600, node_count: 20 - moved });
  });
});
