// Orders and matching over HTTP, on the manual clock: buys across sellers, all-or-nothing and
// partial fills, immediate-or-cancel against standing, holds and their release, sells the pool no
// longer holds, expiry, instances following fills, idempotency, and buyers racing for the same
// asks. After every scenario the audit checks that allocation and money are conserved and that
// nothing is negative.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Account = ApiClient & { accountId: string };
const hour = 3600;

describe.each(testDialects)('orders on %s', (dialect) => {
  let server: TestServer;
  let sku: string;
  let now: number;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  /**
   * Each scenario trades a SKU of its own, from a minute-aligned start an hour after the last.
   * Prices are multiples of $0.06 per node-hour, which the $0.000060 tick leaves as they are.
   */
  async function freshStart(): Promise<number> {
    sku = await server.newInstanceSku();
    now = await server.advance(hour);
    return now;
  }

  async function buyer(dollars = 10_000): Promise<{ account: Account; pool: string }> {
    const account = await server.newAccount();
    if (dollars > 0) expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: dollars })).status).toBe(201);
    const pool = await account.post('/preview/v2/pools', { workspace: 'default', name: 'compute' });
    return { account, pool: pool.body.id };
  }

  /** A provider with an originating pool holding `nodes` over the window, offering them at `price` when given. */
  async function seller(nodes: number, start: number, end: number, price: string | null): Promise<{ account: Account; pool: string; order: string | null }> {
    const account = await server.newAccount();
    const pool = await server.operator.post('/admin/v1/pools', { account: account.accountId, name: 'supply', kind: 'originating' });
    await server.issue(pool.body.id, sku, [{ start_at: start, end_at: end, node_count: nodes }]);
    if (price === null) return { account, pool: pool.body.id, order: null };
    const order = await place(account, pool.body.id, 'sell', start, end, nodes, price, { allow_standing: true, allow_partial: true });
    expect(order.body.status).toBe('standing');
    return { account, pool: pool.body.id, order: order.body.id };
  }

  function place(account: ApiClient, pool: string, side: 'buy' | 'sell', start: number, end: number, nodes: number, price: string, flags: { allow_standing?: boolean; allow_partial?: boolean } = {}, headers: Record<string, string> = {}) {
    return account.request<any>('POST', '/preview/v2/orders', { pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, ...flags }, headers);
  }

  async function balances(account: ApiClient) {
    const response = await account.get('/v1/balances');
    expect(response.status).toBe(200);
    return { available: response.body.available_balance_cents as number, current: response.body.current_balance_cents as number };
  }

  async function scheduleOf(account: ApiClient, pool: string) {
    return (await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[sku] ?? [];
  }

  it('fills a buy across two sellers at their prices, moving allocation and money both ways', async () => {
    const start = (await freshStart()) + hour;
    const end = start + hour;
    const cheap = await seller(2, start, end, '9.00');
    const dear = await seller(2, start, end, '12.00');
    const { account, pool } = await buyer();

    const response = await place(account, pool, 'buy', start, end, 3, '15.00');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      object: 'order',
      side: 'buy',
      status: 'filled',
      pool: { id: pool, name: 'compute' },
      capacity: { id: pool, name: 'compute' },
      allow_standing: false,
      allow_partial: false,
      instance_sku: { object: 'instance_sku', id: sku },
      allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: 3 }],
      filled_allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: 3 }, { start_at: end, end_at: null, node_count: 0 }],
      limit_price_dollars_per_node_hour: '15.000000',
      created_at: now,
      created_by: { type: 'token', name: null },
      filled_at: now,
      filled_average_price_dollars_per_node_hour: '10.000000',
      cancelled_at: null,
    });
    expect(response.body.id).toMatch(/^ordr_/);
    expect(response.body.created_by.id).toMatch(/^tokn_/);
    expect(response.body.fills.map((fill: any) => [fill.price_dollars_per_node_hour, fill.allocation_schedule_delta[0].node_count])).toEqual([['9.000000', 2], ['12.000000', 1]]);
    expect(response.body.fills[0].contract).toMatch(/^cont_/);
    expect((await account.get(`/preview/v2/orders/${response.body.id}`)).body).toEqual(response.body);

    // $30 paid; sellers get their fills less $0.10 per node-hour and 2%.
    expect(await balances(account)).toEqual({ available: 997_000, current: 997_000 });
    expect(await balances(cheap.account)).toEqual({ available: 1744, current: 1744 });
    expect(await balances(dear.account)).toEqual({ available: 1166, current: 1166 });
    expect(await scheduleOf(account, pool)).toEqual([{ start_at: now, end_at: start, node_count: 0 }, { start_at: start, end_at: end, node_count: 3 }, { start_at: end, end_at: null, node_count: 0 }]);
    expect(await scheduleOf(dear.account, dear.pool)).toEqual([{ start_at: now, end_at: start, node_count: 0 }, { start_at: start, end_at: end, node_count: 1 }, { start_at: end, end_at: null, node_count: 0 }]);
    expect((await cheap.account.get(`/preview/v2/orders/${cheap.order}`)).body.status).toBe('filled');
    expect((await dear.account.get(`/preview/v2/orders/${dear.order}`)).body).toMatchObject({ status: 'partially_filled', filled_allocation_schedule_delta: [{ node_count: 1 }, { node_count: 0 }] });

    const transactions = await account.get('/v1/transactions');
    expect(transactions.body.data.map((transaction: any) => [transaction.details.type, transaction.amount_cents, transaction.balance])).toEqual([
      ['buy_order', -1200, 997_000],
      ['buy_order', -1800, 998_200],
      ['credit_grant', 1_000_000, 1_000_000],
    ]);
    expect(transactions.body.data[0]).toMatchObject({ object: 'transaction', transaction_time: now, details: { object: 'transaction_details', order_id: response.body.id, order: null } });
    const sellerTransactions = await cheap.account.get('/v1/transactions');
    expect(sellerTransactions.body.data).toMatchObject([{ amount_cents: 1744, details: { type: 'sell_order', order_id: cheap.order } }]);
  });

  it('leaves an all-or-nothing buy unfilled when the book cannot cover it, and fills what it can when partial', async () => {
    const start = (await freshStart()) + hour;
    const end = start + 2 * hour;
    const supply = await seller(4, start, end, '9.00');
    const { account, pool } = await buyer();

    const allOrNothing = await place(account, pool, 'buy', start, end, 5, '20.00');
    expect(allOrNothing.body).toMatchObject({ status: 'cancelled', fills: [], filled_allocation_schedule_delta: [], filled_at: null, cancelled_at: now, filled_average_price_dollars_per_node_hour: null });
    expect(await balances(account)).toEqual({ available: 1_000_000, current: 1_000_000 });

    // Too cheap: nothing at or below the limit.
    expect((await place(account, pool, 'buy', start, end, 1, '8.94', { allow_partial: true })).body.status).toBe('cancelled');

    const partial = await place(account, pool, 'buy', start, end, 5, '20.00', { allow_partial: true });
    expect(partial.body).toMatchObject({ status: 'filled', filled_allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: 4 }, { start_at: end, end_at: null, node_count: 0 }] });
    expect(await balances(account)).toEqual({ available: 1_000_000 - 7200, current: 1_000_000 - 7200 });
    expect((await supply.account.get(`/preview/v2/orders/${supply.order}`)).body.status).toBe('filled');
  });

  it('rests a standing buy with its hold, trades it at its own price when a sell comes, and releases the rest on cancel', async () => {
    const start = (await freshStart()) + hour;
    const end = start + hour;
    const { account, pool } = await buyer();
    const standing = await place(account, pool, 'buy', start, end, 4, '14.40', { allow_standing: true, allow_partial: true });
    expect(standing.body).toMatchObject({ status: 'standing', fills: [] });
    // $57.60 held out of the available balance.
    expect(await balances(account)).toEqual({ available: 1_000_000 - 5760, current: 1_000_000 });

    const supply = await seller(2, start, end, null);
    const sell = await place(supply.account, supply.pool, 'sell', start, end, 2, '10.80');
    expect(sell.body).toMatchObject({ status: 'filled', fills: [{ price_dollars_per_node_hour: '14.400000' }] });
    const partly = (await account.get(`/preview/v2/orders/${standing.body.id}`)).body;
    expect(partly).toMatchObject({ status: 'partially_filled', filled_average_price_dollars_per_node_hour: '14.400000' });
    expect(await balances(account)).toEqual({ available: 1_000_000 - 5760, current: 1_000_000 - 2880 });

    expect((await account.delete(`/preview/v2/orders/${standing.body.id}`)).status).toBe(204);
    const cancelled = (await account.get(`/preview/v2/orders/${standing.body.id}`)).body;
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelled_at: now, fills: [{ price_dollars_per_node_hour: '14.400000' }] });
    expect(await balances(account)).toEqual({ available: 1_000_000 - 2880, current: 1_000_000 - 2880 });
    // Final orders cannot be cancelled; unknown ones are not found.
    const again = await account.delete(`/preview/v2/orders/${standing.body.id}`);
    expect(again.status).toBe(422);
    expect(again.body.error.message).toContain('cancelled');
    expect((await account.delete('/preview/v2/orders/ordr_missing')).status).toBe(404);
    const stranger = await server.newAccount();
    expect((await stranger.get(`/preview/v2/orders/${standing.body.id}`)).status).toBe(404);
  });

  it('refuses a buy the available balance cannot cover, with 402, and changes nothing', async () => {
    const start = (await freshStart()) + hour;
    await seller(2, start, start + hour, '9.00');
    const { account, pool } = await buyer(15);
    const response = await place(account, pool, 'buy', start, start + hour, 2, '9.00');
    expect(response.status).toBe(402);
    expect(response.body.error.message).toContain('18.000000');
    expect(await balances(account)).toEqual({ available: 1500, current: 1500 });
    expect((await account.get('/preview/v2/orders')).body.data).toEqual([]);
    // What a standing buy holds is not available to the next.
    expect((await place(account, pool, 'buy', start + hour, start + 2 * hour, 1, '10.00', { allow_standing: true })).body.status).toBe('standing');
    expect((await place(account, pool, 'buy', start + hour, start + 2 * hour, 1, '10.00', { allow_standing: true })).status).toBe(402);
  });

  it('refuses a sell of allocation the pool does not hold, and cancels a resting sell whose allocation was transferred away', async () => {
    const start = (await freshStart()) + hour;
    const end = start + hour;
    const owner = await buyer(0);
    await server.issue(owner.pool, sku, [{ start_at: start, end_at: end, node_count: 2 }]);
    const tooMuch = await place(owner.account, owner.pool, 'sell', start, end, 3, '10.00', { allow_standing: true });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.details[0]).toMatchObject({ field: 'allocation_schedule_delta', code: 'insufficient_allocation' });

    const resting = await place(owner.account, owner.pool, 'sell', start, end, 2, '10.00', { allow_standing: true, allow_partial: true });
    expect(resting.body.status).toBe('standing');
    // Sells are not escrowed: the pool may still move what it offers.
    const elsewhere = await owner.account.post('/preview/v2/pools', { workspace: 'default', name: 'elsewhere' });
    const transfer = await owner.account.post('/preview/v2/pool_transfers', { from_pool: owner.pool, to_pool: elsewhere.body.id, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: 2 }] });
    expect(transfer.body.status).toBe('executed');

    const { account, pool } = await buyer();
    const buy = await place(account, pool, 'buy', start, end, 1, '10.00');
    expect(buy.body.status).toBe('cancelled');
    const cancelledSell = (await owner.account.get(`/preview/v2/orders/${resting.body.id}`)).body;
    expect(cancelledSell).toMatchObject({ status: 'cancelled', cancelled_at: now, fills: [] });
    expect(await balances(account)).toEqual({ available: 1_000_000, current: 1_000_000 });
  });

  it('keeps originating pools from buying and read-only pools from trading', async () => {
    const start = (await freshStart()) + hour;
    const supply = await seller(1, start, start + hour, null);
    await server.operator.post(`/admin/v1/accounts/${supply.account.accountId}/credits`, { amount_dollars: 100 });
    const buy = await place(supply.account, supply.pool, 'buy', start, start + hour, 1, '10.00');
    expect(buy.status).toBe(422);
    expect(buy.body.error.message).toContain('originating');
    const readOnly = await server.operator.post('/admin/v1/pools', { account: supply.account.accountId, name: 'legacy', kind: 'read_only' });
    expect((await place(supply.account, readOnly.body.id, 'buy', start, start + hour, 1, '10.00')).status).toBe(422);
    expect((await place(supply.account, readOnly.body.id, 'sell', start, start + hour, 1, '10.00')).status).toBe(422);
  });

  it('cancels a standing order at its end, trading only its remaining minutes once its start has passed', async () => {
    const start = (await freshStart()) + 600;
    const end = start + hour;
    const longAsk = await seller(2, start, end, '9.00');
    const shortAsk = await seller(2, start, end, '9.60');
    const { account, pool } = await buyer();
    const standingBuy = await place(account, pool, 'buy', end, end + hour, 1, '6.00', { allow_standing: true });

    await server.advance(1200);
    // The first ten minutes of the asks have passed: a buy of the rest fills; one reaching back is refused.
    expect((await place(account, pool, 'buy', start, end, 1, '9.00')).status).toBe(422);
    const rest = await place(account, pool, 'buy', now + 1200, end, 2, '9.00');
    expect(rest.body.status).toBe('filled');
    // What is left of the first ask is past and can never trade: it is done.
    expect((await longAsk.account.get(`/preview/v2/orders/${longAsk.order}`)).body).toMatchObject({
      status: 'filled',
      filled_allocation_schedule_delta: [{ start_at: now + 1200, end_at: end, node_count: 2 }, { start_at: end, end_at: null, node_count: 0 }],
    });

    await server.advance(end + hour - (now + 1200));
    expect((await shortAsk.account.get(`/preview/v2/orders/${shortAsk.order}`)).body).toMatchObject({ status: 'cancelled', cancelled_at: end });
    expect((await account.get(`/preview/v2/orders/${standingBuy.body.id}`)).body).toMatchObject({ status: 'cancelled', cancelled_at: end + hour });
    const spent = (2 * 9 * (end - now - 1200) * 100) / hour;
    expect(await balances(account)).toEqual({ available: 1_000_000 - spent, current: 1_000_000 - spent });
  });

  it('starts instances when a buy fills and ends them when a sell of the allocation fills', async () => {
    const start = await freshStart();
    const { account, pool } = await buyer();
    const instance = await account.post('/preview/v2/instances', { pool, instance_sku: sku, image: 'ubuntu-24.04-cuda-12.8' });
    expect(instance.body.status).toBe('awaiting_allocation');

    await seller(1, start, start + 2 * hour, '9.00');
    expect((await place(account, pool, 'buy', start, start + 2 * hour, 1, '9.00')).body.status).toBe('filled');
    expect((await account.get(`/preview/v2/instances/${instance.body.id}`)).body.status).toBe('running');

    // Another account bids for the allocation; the buyer sells it from now on.
    const other = await buyer();
    expect((await place(other.account, other.pool, 'buy', start, start + 2 * hour, 1, '12.00', { allow_standing: true })).body.status).toBe('standing');
    const sold = await place(account, pool, 'sell', start, start + 2 * hour, 1, '11.00');
    expect(sold.body).toMatchObject({ status: 'filled', fills: [{ price_dollars_per_node_hour: '12.000000' }] });
    expect((await account.get(`/preview/v2/instances/${instance.body.id}`)).body.status).toBe('terminated');
  });

  it('places one order per idempotency key, and rounds prices to $0.000060', async () => {
    const start = (await freshStart()) + hour;
    const { account, pool } = await buyer();
    const headers = { 'idempotency-key': 'order-once' };
    const first = await place(account, pool, 'buy', start, start + hour, 1, '1.500029', { allow_standing: true }, headers);
    expect(first.status).toBe(201);
    expect(first.body.limit_price_dollars_per_node_hour).toBe('1.500000');
    const again = await place(account, pool, 'buy', start, start + hour, 1, '1.500029', { allow_standing: true }, headers);
    expect(again.body).toEqual(first.body);
    expect((await place(account, pool, 'buy', start, start + hour, 2, '1.500029', { allow_standing: true }, headers)).status).toBe(409);
    expect((await account.get('/preview/v2/orders')).body.data).toHaveLength(1);
    expect((await place(account, pool, 'buy', start, start + hour, 1, '1.50003', { allow_standing: true })).body.limit_price_dollars_per_node_hour).toBe('1.500060');
  });

  it('answers a replayed order as it answered the first time, byte for byte, after later fills', async () => {
    const start = (await freshStart()) + hour;
    const { account, pool } = await buyer();
    const key = { 'idempotency-key': 'order-answered' };
    const body = { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 2 }], limit_price_dollars_per_node_hour: '10.00', allow_standing: true, allow_partial: true };
    const send = () => fetch(`${server.baseUrl}/preview/v2/orders`, { method: 'POST', headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json', ...key }, body: JSON.stringify(body) });
    const first = await send();
    const firstText = await first.text();
    expect(first.status).toBe(201);
    expect(JSON.parse(firstText)).toMatchObject({ status: 'standing', fills: [] });

    // A seller fills half of it; the order itself now reads partially filled.
    const provider = await seller(1, start, start + hour, null);
    expect((await place(provider.account, provider.pool, 'sell', start, start + hour, 1, '9.00')).body.status).toBe('filled');
    const order = JSON.parse(firstText).id as string;
    expect((await account.get(`/preview/v2/orders/${order}`)).body.status).toBe('partially_filled');

    const replayed = await send();
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await replayed.text()).toBe(firstText);
    // Through the validating client too: the stored answer is a valid response.
    expect((await place(account, pool, 'buy', start, start + hour, 2, '10.00', { allow_standing: true, allow_partial: true }, key)).body).toEqual(JSON.parse(firstText));
  });

  it('refuses malformed orders with the field at fault, changing nothing', async () => {
    const start = (await freshStart()) + hour;
    const { account, pool } = await buyer();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ limit_price_dollars_per_node_hour: '2' }, 422, 'limit_price_dollars_per_node_hour'],
      [{ limit_price_dollars_per_node_hour: '-2.0' }, 422, 'limit_price_dollars_per_node_hour'],
      [{ allocation_schedule_delta: [] }, 422, 'allocation_schedule_delta'],
      [{ allocation_schedule_delta: [{ start_at: start, node_count: 1 }] }, 422, 'allocation_schedule_delta.0.end_at'],
      [{ allocation_schedule_delta: [{ start_at: start + 30, end_at: start + hour, node_count: 1 }] }, 422, 'allocation_schedule_delta.0.start_at'],
      [{ allocation_schedule_delta: [{ start_at: start, end_at: start, node_count: 1 }] }, 422, 'allocation_schedule_delta.0.end_at'],
      [{ allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 0 }] }, 422, 'allocation_schedule_delta.0.node_count'],
      [{ allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }, { start_at: start + hour, end_at: start + 2 * hour, node_count: 1 }] }, 422, 'allocation_schedule_delta'],
    ];
    for (const [change, status, field] of cases) {
      const response = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }], limit_price_dollars_per_node_hour: '1.0', ...change });
      expect(response.status, JSON.stringify(change)).toBe(status);
      expect(response.body.error.details?.[0]?.field ?? response.body.error.message, JSON.stringify(change)).toContain(field);
    }
    expect((await account.post('/preview/v2/orders', { pool: 'pool_missing', side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }], limit_price_dollars_per_node_hour: '1.0' })).status).toBe(404);
    expect((await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: 'isku_missing', allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }], limit_price_dollars_per_node_hour: '1.0' })).status).toBe(404);
    expect((await account.post('/preview/v2/orders', { pool, side: 'hold', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }], limit_price_dollars_per_node_hour: '1.0' })).status).toBe(422);
    expect((await account.get('/preview/v2/orders')).body.data).toEqual([]);
    expect(await balances(account)).toEqual({ available: 1_000_000, current: 1_000_000 });
  });

  it('lists orders with filters and sorting', async () => {
    const start = (await freshStart()) + hour;
    const { account, pool } = await buyer();
    const later = await place(account, pool, 'buy', start + 2 * hour, start + 3 * hour, 1, '1.0', { allow_standing: true });
    await server.advance(60);
    const sooner = await place(account, pool, 'buy', start, start + hour, 1, '1.0', { allow_standing: true });
    await server.advance(60);
    const cancelled = await place(account, pool, 'buy', start, start + hour, 1, '1.0');
    const ids = async (query: string) => (await account.get(`/preview/v2/orders${query}`)).body.data.map((order: { id: string }) => order.id);
    expect(await ids('')).toEqual([cancelled.body.id, sooner.body.id, later.body.id]);
    expect(await ids('?sort_by=created_at')).toEqual([later.body.id, sooner.body.id, cancelled.body.id]);
    expect(await ids('?sort_by=start_at')).toEqual([sooner.body.id, cancelled.body.id, later.body.id]);
    expect(await ids('?status=standing')).toEqual([sooner.body.id, later.body.id]);
    expect(await ids('?status=cancelled&status=filled')).toEqual([cancelled.body.id]);
    expect(await ids('?side=sell')).toEqual([]);
    expect(await ids(`?id=${later.body.id}&id=${cancelled.body.id}`)).toEqual([cancelled.body.id, later.body.id]);
    expect(await ids(`?created_after=${now + 60}`)).toEqual([cancelled.body.id]);
    expect(await ids(`?pool=${pool}&limit=1`)).toEqual([cancelled.body.id]);
    const firstPage = await account.get('/preview/v2/orders?limit=2');
    expect(firstPage.body).toMatchObject({ has_more: true, cursor: expect.stringMatching(/^ordrc_/) });
    expect(await ids(`?limit=2&starting_after=${firstPage.body.cursor}`)).toEqual([later.body.id]);
    expect((await account.get('/preview/v2/orders?status=nope')).status).toBe(422);
    expect((await account.get('/preview/v2/orders?procurement=proc_missing')).status).toBe(422);
  });

  it('never sells the same node-minute twice when buyers race for the same asks', async () => {
    const start = (await freshStart()) + hour;
    const end = start + hour;
    const asks = [await seller(2, start, end, '9.00'), await seller(2, start, end, '10.80')];
    const buyers = await Promise.all(Array.from({ length: 8 }, () => buyer()));
    const responses = await Promise.all(buyers.map(({ account, pool }) => place(account, pool, 'buy', start, end, 1, '20.00')));
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
    const statuses = responses.map((response) => response.body.status).sort();
    expect(statuses).toEqual([...Array(4).fill('cancelled'), ...Array(4).fill('filled')]);
    const paid = (await Promise.all(buyers.map(({ account }) => balances(account)))).map((balance) => 1_000_000 - balance.available).sort((a, b) => a - b);
    expect(paid).toEqual([0, 0, 0, 0, 900, 900, 1080, 1080]);
    for (const ask of asks) expect((await ask.account.get(`/preview/v2/orders/${ask.order}`)).body.status).toBe('filled');
  });

  it('grants credit only to accounts that exist, in positive amounts', async () => {
    const account = await server.newAccount();
    const granted = await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: '250.50', memo: 'Welcome' });
    expect(granted.status).toBe(201);
    expect(granted.body).toEqual({ object: 'credit_grant', account: account.accountId, amount_dollars: '250.500000', available_balance_dollars: '250.500000', current_balance_dollars: '250.500000' });
    expect((await account.get('/v1/transactions')).body.data[0]).toMatchObject({ amount_cents: 25_050, balance: 25_050, details: { type: 'credit_grant', memo: 'Welcome' } });
    expect((await server.operator.post('/admin/v1/accounts/nobody/credits', { amount_dollars: 1 })).status).toBe(404);
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: -1 })).status).toBe(400);
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 0 })).status).toBe(400);
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: '1.2345678' })).status).toBe(400);
    expect((await account.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1 })).status).toBe(401);
    expect(await balances(account)).toEqual({ available: 25_050, current: 25_050 });
  });
});
