// Limits of domain/kernel/limits.ts that show through the API, each at the limit and one past it:
// matching reads the book in rounds (`bookRoundOrdersFirst` resting orders first), and the book's
// views clamp their depth and page size; lists page up to their maximum, a memo is bounded, and
// order book fills go back at most 30 days.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookRoundOrdersFirst, deploymentsPageSizeMax, instanceTemplatesPageSizeMax, memoLengthMax, orderbookDepthDefault, orderbookDepthMax, orderbookFillsSinceMaxSeconds, orderbookPageSizeDefault, orderbookPageSizeMax, procurementsPageSizeMax, transactionsPageSizeMax, v0PageSizeMax } from '../../src/domain/kernel/limits.js';
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
});
