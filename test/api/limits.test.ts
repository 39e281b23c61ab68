// Limits of domain/kernel/limits.ts that show through the API, each at the limit and one past it:
// matching reads the book in rounds (`bookRoundOrdersFirst` resting orders first), and the book's
// views clamp their depth and page size; lists page up to their maximum, a memo is bounded, and
// order book fills go back at most 30 days; and the bounds of v0 orders, SSH credentials, user
// filters, account names, SKU counts, price texts and fixture times.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bookRoundOrdersFirst,
  demoTokenLengthMin,
  deploymentsPageSizeMax,
  fixtureOffsetSecondsMax,
  instanceTemplatesPageSizeMax,
  memoLengthMax,
  nameLengthMax,
  orderbookDepthDefault,
  orderbookDepthMax,
  orderbookFillsSinceMaxSeconds,
  orderbookPageSizeDefault,
  orderbookPageSizeMax,
  priceTextLengthMax,
  procurementsPageSizeMax,
  skuCountMax,
  sshKeyLengthMax,
  sshKeyUsernameLengthMax,
  transactionsPageSizeMax,
  userIdFilterValuesMax,
  v0OrderNodesMax,
  v0PageSizeMax,
} from '../../src/domain/kernel/limits.js';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { parseV0OrderTerms } from '../../src/domain/legacy-v0/orders.js';
import { ensureDemoToken } from '../../src/app/operator/seed.js';
import { resolveFixtureTime } from '../../src/domain/operator/fixtures.js';
import { clampCount } from '../../src/domain/market/orderbook.js';
import { failureStatus } from '../../src/http/errors.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe('clamped counts of the book\'s views', () => {
  it('takes a depth and a page size up to their maximum, and clamps one past it', () => {
    expect(clampCount(undefined, orderbookDepthDefault, orderbookDepthMax)).toBe(20);
    expect(clampCount(orderbookDepthMax, orderbookDepthDefault, orderbookDepthMax)).toBe(100);
    expect(clampCount(orderbookDepthMax + 1, orderbookDepthDefault, orderbookDepthMax)).toBe(100);
    expect(clampCount(undefined, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(50);
    expect(clampCount(orderbookPageSizeMax, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(200);
    expect(clampCount(orderbookPageSizeMax + 1, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(200);
    expect(clampCount(0, orderbookPageSizeDefault, orderbookPageSizeMax)).toBe(1);
  });
});

describe('pure bounds at the limit and one past it', () => {
  it('takes a v0 order of up to v0OrderNodesMax nodes', () => {
    const now = 1_767_225_600;
    const terms = (quantity: number) => parseV0OrderTerms({ quantity, start_at: new Date((now + 3600) * 1000).toISOString(), end_at: new Date((now + 7200) * 1000).toISOString(), price: 100 }, 'buy', now);
    expect(isFailure(terms(v0OrderNodesMax))).toBe(false);
    expect(terms(v0OrderNodesMax + 1)).toMatchObject({ failure: 'invalid_request', message: expect.stringContaining(`from 1 to ${v0OrderNodesMax}`) });
  });

  it('takes a fixture time up to fixtureOffsetSecondsMax ahead', () => {
    expect(resolveFixtureTime(`+${fixtureOffsetSecondsMax}s`, 0)).toBe(fixtureOffsetSecondsMax);
    expect(resolveFixtureTime(`+${fixtureOffsetSecondsMax + 1}s`, 0)).toMatch(/ten years/);
  });
});

describe.each(testDialects)('matching across rounds of the book on %s', (dialect) => {
  let server: TestServer;
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    sku = await server.newInstanceSku('rounds-sku');
  });
  afterAll(() => server.close());

  // One seller with an originating pool, offering `count` asks of one node each at rising prices.
  async function asks(count: number, start: number) {
    const seller = await server.newAccount();
    const supply = (await server.operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id as string;
    await server.issue(supply, sku, [{ start_at: start, end_at: start + 3600, node_count: count }]);
    for (let index = 0; index < count; index++) {
      const placed = await seller.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: `${1 + index}.000000`, allow_standing: true });
      expect(placed.body.status).toBe('standing');
    }
  }

  it.each([bookRoundOrdersFirst, bookRoundOrdersFirst + 1])('fills a buy that needs %i resting asks, all of them', async (count) => {
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600 + (count - bookRoundOrdersFirst + 1) * 86_400;
    await asks(count, start);
    const buyer = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: 10_000 })).status).toBe(201);
    const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'mine' })).body.id as string;
    const bought = await buyer.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: count }], limit_price_dollars_per_node_hour: '100.000000' });
    expect(bought.status).toBe(201);
    expect(bought.body.status).toBe('filled');
    expect((await server.audit())).toEqual([]);
  });
});

describe.each(testDialects)('request limits at the limit and one past it on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('pages transactions, instance templates, deployments, procurements and v0 lists up to their maximum', async () => {
    const account = await server.newAccount();
    for (const [path, max] of [
      ['/v1/transactions', transactionsPageSizeMax],
      ['/v0/transactions', v0PageSizeMax],
      ['/preview/v2/instance_templates', instanceTemplatesPageSizeMax],
      ['/preview/v2/deployments', deploymentsPageSizeMax],
      ['/preview/v2/procurements', procurementsPageSizeMax],
      ['/v0/procurements', v0PageSizeMax],
    ] as const) {
      expect((await account.get(`${path}?limit=${max}`)).status, path).toBe(200);
      expect((await account.get(`${path}?limit=${max + 1}`)).status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('takes a credit memo up to its length, and fills from up to 30 days back', async () => {
    const account = await server.newAccount();
    const grant = (memo: string) => server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1, memo });
    expect((await grant('m'.repeat(memoLengthMax))).status).toBe(201);
    expect((await grant('m'.repeat(memoLengthMax + 1))).status).toBe(400);
    const now = server.clock.now();
    const start = Math.floor(now / 60) * 60;
    const fills = (since: number) => account.get(`/preview/v2/orderbook/fills?start_at=${start}&end_at=${start + 3600}&since_at=${since}`);
    expect((await fills(now - orderbookFillsSinceMaxSeconds)).status).toBe(200);
    expect((await fills(now - orderbookFillsSinceMaxSeconds - 1)).status).toBe(failureStatus.invalid_request.status);
  });

  it('takes an SSH key and its username up to their lengths', async () => {
    const account = await server.newAccount();
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVzZXItb25lLWtleS1mb3ItYWxsb3QtdGVzdHM ';
    const padded = (length: number) => key + 'c'.repeat(length - key.length);
    expect((await account.post('/v0/credentials', { pubkey: padded(sshKeyLengthMax), username: 'u'.repeat(sshKeyUsernameLengthMax) })).status).toBe(200);
    expect((await account.post('/v0/credentials', { pubkey: padded(sshKeyLengthMax + 1) })).status).toBe(400);
    expect((await account.post('/v0/credentials', { pubkey: key + 'other', username: 'u'.repeat(sshKeyUsernameLengthMax + 1) })).status).toBe(400);
  });

  it('filters users by up to userIdFilterValuesMax ids', async () => {
    const account = await server.newAccount();
    const ids = (count: number) => Array.from({ length: count }, (_, index) => `id=user_${index}`).join('&');
    expect((await account.get(`/preview/v2/users?${ids(userIdFilterValuesMax)}`)).status).toBe(200);
    expect((await account.get(`/preview/v2/users?${ids(userIdFilterValuesMax + 1)}`)).status).toBe(422);
  });

  it('names an account with up to nameLengthMax characters', async () => {
    expect((await server.operator.post('/admin/v1/accounts', { name: 'a'.repeat(nameLengthMax), id: 'long-named' })).status).toBe(201);
    expect((await server.operator.post('/admin/v1/accounts', { name: 'a'.repeat(nameLengthMax + 1), id: 'too-long-named' })).status).toBe(400);
  });

  it('takes a demo token of demoTokenLengthMin characters or more', async () => {
    // No demo account on the test server: a long enough token is simply not made (false).
    expect(await ensureDemoToken(server.context, 't'.repeat(demoTokenLengthMin))).toBe(false);
    expect(await ensureDemoToken(server.context, 't'.repeat(demoTokenLengthMin - 1))).toMatchObject({ failure: 'invalid_request' });
  });

  it('registers a SKU counting up to skuCountMax vCPUs', async () => {
    expect((await server.operator.post('/admin/v1/instance_skus', { alias: 'most-vcpus', num_vcpus: skuCountMax })).status).toBe(201);
    expect((await server.operator.post('/admin/v1/instance_skus', { alias: 'too-many-vcpus', num_vcpus: skuCountMax + 1 })).status).toBe(400);
  });

  it('reads a price given in up to priceTextLengthMax characters', async () => {
    const account = await server.newAccount();
    const sku = await server.newInstanceSku('price-text-sku');
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'priced' })).body.id as string;
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600;
    const order = (price: string) => account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: price });
    const price = (length: number) => '0.' + '0'.repeat(length - 2);
    expect((await order(price(priceTextLengthMax))).status).toBe(201);
    expect((await order(price(priceTextLengthMax + 1))).status).toBe(422);
  });
});
