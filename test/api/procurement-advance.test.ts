// A manual clock advance skips the procurement runs that would change nothing: advancing a day at
// once leaves exactly what 1,440 one-minute advances leave — the pools' schedules, the orders
// still resting and every order that traded (windows, fills, prices, times), the contracts, the
// balances and the procurements' status. The cancelled standing buys of the skipped runs, which
// never traded, are the one difference (docs/decisions.md, "Coalesced procurement runs").

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const hour = 3600;
const minute = 60;
const day = 24 * hour;

interface Scenario {
  readonly customers: readonly { readonly account: ApiClient; readonly pool: string; readonly sku: string; readonly procurement: string }[];
}

/**
 * Over `span`, three SKUs: a procurement no seller meets but two asks on the way; one with no
 * seller at all; two procurements on one SKU (which run minute by minute).
 */
async function scenario(server: TestServer, span: number): Promise<Scenario> {
  const at = (fraction: number) => Math.floor((t + fraction * span) / minute) * minute;
  const provider = await server.newAccount('provider');
  const supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id as string;
  const t = server.clock.now();
  const ask = async (sku: string, start: number, end: number, nodes: number, price: string) => {
    const order = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, allow_standing: true, allow_partial: true });
    expect(order.status).toBe(201);
  };
  const customers: { account: ApiClient; pool: string; sku: string; procurement: string }[] = [];
  const customer = async (sku: string, target: number, windowMinutes: number) => {
    const account = await server.newAccount();
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 10_000 });
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id as string;
    const created = await account.post('/preview/v2/procurements', { pool, instance_sku: sku, target, min_sell_price_dollars_per_node_hour: '1.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: windowMinutes });
    expect(created.status).toBe(201);
    customers.push({ account, pool, sku, procurement: created.body.id });
  };
  const [first, second, third] = [await server.newInstanceSku(), await server.newInstanceSku(), await server.newInstanceSku()];
  for (const sku of [first!, second!, third!]) await server.issue(supply, sku, [{ start_at: t, end_at: t + 2 * day, node_count: 8 }]);
  // Too dear throughout; one node at $9 from 10:00 to 13:00 (of a day), half an hour of another at 20:10.
  await ask(first!, t, t + 2 * day, 4, '20.00');
  await ask(first!, at(10 / 24), at(13 / 24), 1, '9.00');
  await ask(first!, at(20 / 24 + 10 / 1440), at(20 / 24 + 40 / 1440), 1, '10.80');
  await customer(first!, 2, 60);
  await customer(second!, 1, 90);
  await ask(third!, at(15 / 24), at(16 / 24), 1, '9.00');
  await customer(third!, 1, 45);
  await customer(third!, 1, 120);
  return { customers };
}

async function allOrders(account: ApiClient, procurement: string): Promise<Record<string, unknown>[]> {
  const orders: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { data: Record<string, unknown>[]; cursor: string | null; has_more: boolean } } = await account.get(`/preview/v2/orders?procurement=${procurement}&limit=200${cursor === null ? '' : `&starting_after=${cursor}`}`);
    orders.push(...page.body.data);
    cursor = page.body.has_more ? page.body.cursor : null;
  } while (cursor !== null);
  return orders;
}

/** Without the ids, which each server draws at random. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !['id', 'order_id', 'contract', 'cursor'].includes(key)).map(([key, inner]) => [key, withoutIds(inner)]));
}

/** What the scenario left, without ids: what traded and what rests, what is held and paid. */
async function outcome(server: TestServer, { customers }: Scenario) {
  const result = [];
  for (const { account, pool, sku, procurement } of customers) {
    const orders = (await allOrders(account, procurement))
      .filter((order) => order.status !== 'cancelled' || (order.fills as unknown[]).length > 0)
      .map(({ id: _id, fills, pool: _pool, capacity: _capacity, instance_sku: _sku, ...order }) => ({ ...order, fills: (fills as Record<string, unknown>[]).map(({ contract: _contract, ...fill }) => fill) }));
    const procurementBody = (await account.get(`/preview/v2/procurements/${procurement}`)).body;
    const balance = (await account.get('/v1/balances')).body;
    const transactions = withoutIds((await account.get('/v1/transactions?limit=100')).body.data);
    result.push({
      held: (await account.get(`/preview/v2/pools/${pool}`)).body.allocation_schedule.by_instance_sku[sku],
      orders,
      status: procurementBody.status,
      updated_at: procurementBody.updated_at,
      balance,
      transactions,
    });
  }
  expect(await server.audit()).toEqual([]);
  return result;
}

// A day of 1,440 one-minute advances takes minutes on PostgreSQL: the same scenario over two
// hours runs always, the day with ALLOT_TEST_LONG=1.
const spans = process.env.ALLOT_TEST_LONG === '1' ? [2 * hour, day] : [2 * hour];

describe.each(testDialects)('an advance at once, against minute by minute, on %s', (dialect) => {
  let atOnce: TestServer;
  let minuteByMinute: TestServer;

  beforeAll(async () => {
    // The model's one-minute advances are audited at the end, not at each of their commits.
    [atOnce, minuteByMinute] = [await startTestServer(dialect), await startTestServer(dialect, { verify: false })];
  });
  afterAll(async () => {
    await atOnce.close();
    await minuteByMinute.close();
  });

  it.each(spans)('leaves the same schedules, orders, fills and balances after %i seconds', async (span) => {
    const [quick, slow] = [await scenario(atOnce, span), await scenario(minuteByMinute, span)];
    expect(atOnce.clock.now()).toBe(minuteByMinute.clock.now());
    await atOnce.advance(span);
    for (let step = 0; step < span / minute; step++) await minuteByMinute.advance(minute);
    const [coalesced, model] = [await outcome(atOnce, quick), await outcome(minuteByMinute, slow)];
    expect(coalesced).toEqual(model);
    // Something traded (the asks on the way), and something still waits.
    expect((model[0]!.orders as unknown as { fills: unknown[] }[]).some((order) => order.fills.length > 0)).toBe(true);
    expect((model[1]!.orders as unknown as { status: string }[]).filter((order) => order.status === 'standing')).toHaveLength(1);
    // The skipped runs placed no orders: far fewer than one a minute.
    const placed = async (scenarioOf: Scenario) => (await allOrders(scenarioOf.customers[1]!.account, scenarioOf.customers[1]!.procurement)).length;
    expect(await placed(quick)).toBeLessThan(span / hour + 5);
    expect(await placed(slow)).toBeGreaterThan(span / minute);
  }, 1_200_000);
});
