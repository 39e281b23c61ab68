// The operator's reset (POST /admin/v1/reset): the whole state goes in one transaction and is
// seeded again (the demo market, fixtures, or nothing); the operator token and the clock stay; a
// bad request or a refused reset changes nothing.

import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetOperation } from '../../src/domain/operator/operations.js';
import { ApiClient } from '../support/client.js';
import { walk } from '../support/failure-order.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const fixtures = {
  instance_skus: [{ alias: 'fixture-h100', accelerator: 'h100', num_accelerators: 8, rdma_type: 'infiniband', availability_zone: 'fixture-zone' }],
  accounts: [
    { id: 'supplier', name: 'Supplier', tokens: ['allot_sk_fixture-supplier-0001'], pools: [{ name: 'supply', kind: 'originating' }] },
    { id: 'acme', name: 'Acme', credit_dollars: '5000', tokens: ['allot_sk_fixture-acme-000001'], workspaces: ['research'], pools: [{ name: 'training', workspace: 'research' }, { name: 'scratch' }] },
  ],
  allocations: [{ account: 'supplier', pool: 'supply', instance_sku: 'fixture-h100', start_at: 'now', end_at: '+14d', node_count: 8 }],
  orders: [
    { account: 'supplier', pool: 'supply', side: 'sell', instance_sku: 'fixture-h100', start_at: 'now', end_at: '+7d', node_count: 8, limit_price_dollars_per_node_hour: '16.00' },
    { account: 'acme', pool: 'training', workspace: 'research', side: 'buy', instance_sku: 'fixture-h100', start_at: '+1h', end_at: '+2h', node_count: 2, limit_price_dollars_per_node_hour: '10.00' },
  ],
};

describe.each(testDialects)('the reset on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function accountIds(): Promise<string[]> {
    return ((await server.operator.get('/admin/v1/accounts?limit=200')).body.data as { id: string }[]).map((account) => account.id).sort();
  }

  /** Some state of every kind: an account with credit, a pool, allocation, a resting order, an instance, an image's bytes. */
  async function busyState(): Promise<{ account: ApiClient & { accountId: string }; imageId: string }> {
    const account = await server.newAccount('Busy');
    const sku = await server.newInstanceSku();
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 100 })).status).toBe(201);
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'busy' })).body.id as string;
    const now = server.clock.now();
    await server.issue(pool, sku, [{ start_at: now, end_at: now + 7200, node_count: 1 }]);
    expect((await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, name: 'busy-1' })).status).toBe(201);
    const sell = await account.post('/preview/v2/orders', { pool, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: now + 3600, end_at: now + 7200, node_count: 1 }], limit_price_dollars_per_node_hour: '99.00', allow_standing: true });
    expect(sell.status, JSON.stringify(sell.body)).toBe(201);
    const image = await account.post('/preview/v2/images', { workspace: 'default', name: 'bytes' });
    const part = await account.post(`/preview/v2/images/${image.body.id}/parts`, { part_id: 1 });
    expect((await fetch(part.body.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(Buffer.from('some bytes')) })).status).toBe(200);
    return { account, imageId: image.body.id as string };
  }

  it('clears everything and seeds nothing, keeping the operator token and the clock', async () => {
    const { account, imageId } = await busyState();
    await server.advance(600);
    const clock = (await server.operator.get('/admin/v1/clock')).body;
    const blobs = (server.context.blobs as unknown as { directory: string }).directory;
    expect(existsSync(`${blobs}/images/${imageId}`)).toBe(true);

    const reset = await server.operator.post('/admin/v1/reset', { seed: 'none' });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body).toEqual({ object: 'reset', seed: 'none', demo_token: null, accounts: [], at: clock.now });

    expect((await account.get('/preview/v2/me')).status).toBe(401);
    expect(await accountIds()).toEqual(['sfcompute']);
    expect((await server.operator.get('/admin/v1/clock')).body).toEqual(clock);
    
    expect(existsSync(`${blobs}/images/${imageId}`)).toBe(false);
    // The public images are there again, and the state is usable at once.
    const fresh = await server.newAccount('Fresh');
    const images = await fresh.get('/preview/v2/images?workspace=sfc:workspace:sfcompute:public');
    expect(images.body.data.map((image: { name: string }) => image.name)).toEqual(expect.arrayContaining(['ubuntu-22.04-cuda-12.4']));
    expect((await fresh.get('/v1/balances')).status).toBe(200);
    expect((await fresh.get('/preview/v2/instance_skus')).body.data).toEqual([]);
    // An empty body seeds what the server was started with: nothing, for the test server.
    const bodiless = await server.operator.post('/admin/v1/reset');
    expect(bodiless.status, JSON.stringify(bodiless.body)).toBe(200);
    expect(bodiless.body.seed).toBe('none');
  });

  it('seeds the demo market again, with a new demo token', async () => {
    const first = await server.operator.post('/admin/v1/reset', { seed: 'demo' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ seed: 'demo', accounts: ['provider', 'demo'] });
    const token = first.body.demo_token as string;
    expect(token).toMatch(/^allot_sk_/);
    const demo = new ApiClient(server.baseUrl, token);
    expect((await demo.get('/preview/v2/me')).body.account_id).toBe('demo');
    const availability = await demo.get('/preview/v2/instance_skus/availability?accelerator=h100&availability_zone=richmond');
    expect(availability.body.data[0].schedule[0].node_count).toBeGreaterThan(0);
    expect(await accountIds()).toEqual(['demo', 'provider', 'sfcompute']);

    const second = await server.operator.post('/admin/v1/reset', { seed: 'demo' });
    expect(second.body.demo_token).not.toBe(token);
    expect((await demo.get('/preview/v2/me')).status).toBe(401);
    expect((await new ApiClient(server.baseUrl, second.body.demo_token).get('/v1/balances')).status).toBe(200);
  });

  it('seeds fixtures: accounts with their tokens, credit, workspaces and pools, supply and resting orders', async () => {
    const reset = await server.operator.post('/admin/v1/reset', { fixtures });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body).toMatchObject({ seed: 'fixtures', demo_token: null, accounts: ['supplier', 'acme'] });
    const acme = new ApiClient(server.baseUrl, 'allot_sk_fixture-acme-000001');
    expect((await acme.get('/preview/v2/me')).body.account_id).toBe('acme');
    expect((await acme.get('/preview/v2/pools/sfc:pool:acme:research:training')).status).toBe(200);
    expect((await acme.get('/preview/v2/pools/sfc:pool:acme:default:scratch')).status).toBe(200);
    const now = server.clock.now();
    // The buy at $10 rests below the $16 ask; both are on the book.
    const orders = (await acme.get('/preview/v2/orders')).body.data;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ side: 'buy', status: 'standing' });
    const supplier = new ApiClient(server.baseUrl, 'allot_sk_fixture-supplier-0001');
    const supply = await supplier.get('/preview/v2/pools/sfc:pool:supplier:default:supply');
    expect(supply.body.allocation_schedule.total[0]).toMatchObject({ start_at: now, node_count: 8 });
    expect((await supplier.get('/preview/v2/orders')).body.data[0]).toMatchObject({ side: 'sell', status: 'standing' });
    const balance = (await acme.get('/v1/balances')).body;
    expect(JSON.stringify(balance)).toContain('5000');
  });

  it('refuses bad fixtures naming the field, and changes nothing', async () => {
    expect((await server.operator.post('/admin/v1/reset', { fixtures })).status).toBe(200);
    const acme = new ApiClient(server.baseUrl, 'allot_sk_fixture-acme-000001');
    const cases: [unknown, RegExp, number?][] = [
      [{ ...fixtures, accounts: [{ ...fixtures.accounts[0], credit_dollars: true }] }, /fixtures\.accounts\.0\.credit_dollars/],
      [{ ...fixtures, orders: [{ ...fixtures.orders[1], pool: 'nowhere' }] }, /fixtures\.orders\.0\.pool/],
      [{ ...fixtures, allocations: [{ ...fixtures.allocations[0], end_at: 'later' }] }, /fixtures\.allocations\.0\.end_at/],
      [{ ...fixtures, accounts: [fixtures.accounts[0], fixtures.accounts[0]] }, /fixtures\.accounts\.1\.id/],
      [{ ...fixtures, orders: [{ ...fixtures.orders[1], instance_sku: 'no-such-sku' }] }, /fixtures\.orders\.0/, 404],
      [{ ...fixtures, unknown: 1 }, /unknown/],
      [{ ...fixtures, accounts: [{ ...fixtures.accounts[1], tokens: ['short'] }] }, /tokens/],
    ];
    for (const [body, field, status] of cases) {
      const refused = await server.operator.post('/admin/v1/reset', { fixtures: body });
      expect(refused.status, JSON.stringify(body)).toBe(status ?? 400);
      expect(JSON.stringify(refused.body.error), JSON.stringify(refused.body)).toMatch(field);
      expect((await acme.get('/preview/v2/me')).status).toBe(200);
    }
    // A use case's refusal deep inside the seed rolls the whole reset back too.
    const unfunded = { ...fixtures, accounts: [fixtures.accounts[0], { ...fixtures.accounts[1], credit_dollars: undefined }] };
    const refused = await server.operator.post('/admin/v1/reset', { fixtures: unfunded });
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toMatch(/^fixtures\.orders\.1/);
    expect((await acme.get('/preview/v2/me')).status).toBe(200);
    expect((await server.operator.post('/admin/v1/reset', { seed: 'demo', fixtures })).status).toBe(400);
    expect((await server.operator.post('/admin/v1/reset', { seed: 'all' })).status).toBe(400);
  });

  it('answers the first of several faults, in the order it declares', async () => {
    const { account } = await busyState();
    const instance = (await account.get('/preview/v2/instances/busy-1')).body.id as string;
    const started = server.clock.now();
    await server.context.store.transaction((tx) => tx.instanceRuns.requestRun([instance], started));
    let guestStopped = false;
    const sku = fixtures.instance_skus[0]!;
    const token = 'allot_sk_fixture-walk-000001';
    // One entry per section, each wrong in every way its use case checks that a file can reach
    // (a step the schema or the fixtures' own checks refuse first, or that only allot serve's
    // options reach, is null); fixing step i leaves the first fault at step i + 1.
    const walked = (fixed: number) => {
      const order = {
        account: 'walker',
        pool: fixed > 26 ? (fixed > 29 ? 'supply' : 'scratch') : fixed > 25 ? 'supply' : 'frozen',
        side: fixed > 28 ? 'sell' : 'buy',
        instance_sku: fixed > 24 ? sku.alias : 'no-such-sku',
        start_at: fixed > 22 ? '+1h' : 60,
        end_at: fixed > 22 ? '+2h' : 3660,
        node_count: fixed > 27 ? 1 : 100_000_000,
        limit_price_dollars_per_node_hour: fixed > 20 ? (fixed > 27 ? '10.00' : '999999999.00') : 'ten',
      };
      return {
        instance_skus: fixed > 4 ? [sku] : [sku, sku],
        accounts: [{
          id: 'walker',
          tokens: fixed > 2 ? [token] : [token, token],
          workspaces: Array.from({ length: fixed > 8 ? 1 : 100 }, (_, index) => `extra-${index}`),
          credit_dollars: fixed > 12 ? '1' : fixed > 11 ? '0' : 'lots',
          pools: [{ name: 'supply', kind: 'originating' }, { name: 'scratch' }, { name: 'frozen', kind: 'read_only' }],
        }],
        allocations: [{ account: 'walker', pool: 'supply', instance_sku: fixed > 19 ? sku.alias : 'no-such-sku', start_at: fixed > 17 ? 'now' : 60, end_at: '+1d', node_count: 1 }],
        orders: [order],
      };
    };
    await walk(resetOperation, async (fixed) => {
      if (fixed > 1 && !guestStopped) {
        await server.context.store.transaction((tx) => tx.instanceRuns.record(instance, { intent: 'run', state: 'requested' }, { state: 'stopped', updatedAt: started }));
        guestStopped = true;
      }
      return server.operator.post('/admin/v1/reset', fixed > 0 ? { fixtures: walked(fixed) } : { seed: 'none', fixtures: walked(fixed) });
    }, [
      /not both/,
      /terminate/,
      /fixtures\.accounts\.0\.tokens\.1: a token is given twice/,
      null, // the demo token is allot serve's option
      /^fixtures\.instance_skus\.1:/,
      null, null, null, // the schema refuses a malformed id; the fixtures' checks, one given twice; an id is always given
      /^fixtures\.accounts\.0\.workspaces\.99:/,
      null, null, // the fixtures' checks refuse a name or token given twice
      /^fixtures\.accounts\.0\.credit_dollars: .*dollars/,
      /^fixtures\.accounts\.0\.credit_dollars: .*positive/,
      null, null, null, null, // the account was just made, and the fixtures' checks name its workspaces and pools
      /^fixtures\.allocations\.0:/,
      null, // the pool is the fixtures'
      /^fixtures\.allocations\.0: .*instance SKU/i,
      /^fixtures\.orders\.0: .*limit_price/,
      null, // the fixtures' orders send no Idempotency-Key
      /^fixtures\.orders\.0:/,
      null, // the pool is the fixtures'
      /^fixtures\.orders\.0: .*instance SKU/i,
      /^fixtures\.orders\.0: .*read-only/i,
      /^fixtures\.orders\.0:/,
      /^fixtures\.orders\.0:/,
      /^fixtures\.orders\.0:/,
      /^fixtures\.orders\.0:/,
    ], 200);
    expect(((await server.operator.get('/admin/v1/accounts?limit=200')).body.data as { id: string }[]).map((entry) => entry.id)).toContain('walker');
  });

  it('is the operator\'s alone', async () => {
    const account = await server.newAccount();
    expect((await account.post('/admin/v1/reset', { seed: 'none' })).status).toBe(401);
    expect((await server.anonymous.post('/admin/v1/reset', { seed: 'none' })).status).toBe(401);
    expect((await account.get('/preview/v2/me')).status).toBe(200);
  });

  it('refuses while a real guest may still run, until its run has ended', async () => {
    const { account } = await busyState();
    const instance = (await account.get('/preview/v2/instances/busy-1')).body.id as string;
    const now = server.clock.now();
    await server.context.store.transaction((tx) => tx.instanceRuns.requestRun([instance], now));
    const refused = await server.operator.post('/admin/v1/reset', { seed: 'none' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/terminate/);
    expect((await account.get('/preview/v2/me')).status).toBe(200);
    await server.context.store.transaction((tx) => tx.instanceRuns.record(instance, { intent: 'run', state: 'requested' }, { state: 'stopped', updatedAt: now }));
    expect((await server.operator.post('/admin/v1/reset', { seed: 'none' })).status).toBe(200);
  });
});
