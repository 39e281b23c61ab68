// The manual clock's advance works through several due times in one transaction (DueTimeChain,
// engine/boundaries.ts): a procurement that buys the minute entering its window from a standing
// ask runs and trades every minute of clock, and one commit a minute was most of an advance's
// time on PostgreSQL. Each due time is still worked at its own time, in order, and the clock is
// saved with the last of a transaction's, so the clock and the work it drove commit together.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DueTimeChain, processBoundaries } from '../../src/engine/boundaries.js';
import { stepsOf } from '../../src/domain/kernel/schedule.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const minute = 60;
const day = 24 * 3600;

describe.each(testDialects)('a manual clock advance chaining due times on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  /** A procurement (target 1, a 60-minute window) buying from a standing ask every minute;
   * answers how to read the buyer's pool's allocation and its filled orders. */
  const buyingEveryMinute = async () => {
    const t = server.clock.now();
    const provider = await server.newAccount('provider');
    const sku = await server.newInstanceSku();
    const supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id as string;
    await server.issue(supply, sku, [{ start_at: t, end_at: t + 2 * day, node_count: 2 }]);
    const ask = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: t + minute, end_at: t + day, node_count: 1 }], limit_price_dollars_per_node_hour: '1.00', allow_standing: true, allow_partial: true });
    expect(ask.status).toBe(201);
    const buyer = await server.newAccount();
    await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: 1_000 });
    const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id as string;
    const created = await buyer.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '0.50', max_buy_price_dollars_per_node_hour: '2.00', managed_window_minutes: 60 });
    expect(created.status).toBe(201);
    return {
      t,
      outcome: async () => {
        const held = await server.context.store.read((tx) => tx.allocation.balanceOf(pool, sku));
        const filled = (await buyer.get(`/preview/v2/orders?procurement=${created.body.id}&limit=200`)).body.data.filter((order: { status: string }) => order.status === 'filled');
        // The pool's allocation, as [time from t, nodes] steps.
        return { allocation: stepsOf(held!.schedule).map((step) => [step.at - t, step.count]), filled: filled.length };
      },
    };
  };

  /** Advances the clock to `upTo` as the manual clock's advance does, with `chain`; answers the
   * times saved, one per committed transaction. */
  const advanceTo = async (upTo: number, chain: DueTimeChain): Promise<number[]> => {
    const saved: number[] = [];
    await processBoundaries(
      server.context,
      upTo,
      (due) => Math.max(due, server.clock.now()),
      async (tx, time) => {
        tx.afterCommit(() => {
          saved.push(time);
          server.clock.set(Math.max(time, server.clock.now()));
        });
      },
      true,
      chain,
    );
    return saved;
  };

  it('commits a few due times a transaction, each worked at its own time, the clock saved with the last', async () => {
    const { t, outcome } = await buyingEveryMinute();
    // Thirty runs, one a minute, seven a transaction.
    const saved = await advanceTo(t + 30 * minute, { dueTimesMax: 7, millisMax: Number.POSITIVE_INFINITY });
    expect(saved).toEqual([7, 14, 21, 28, 30].map((minutes) => t + minutes * minute));
    expect(server.clock.now()).toBe(t + 30 * minute);
    // Every run bought the minute entering its window: held through the window, a contract each.
    const { allocation, filled } = await outcome();
    expect(allocation).toEqual([[minute, 1], [91 * minute, 0]]);
    expect(filled).toBe(31);
    expect(await server.audit()).toEqual([]);

    // The same market again, a due time a transaction (no time to go on): the same outcome.
    const again = await buyingEveryMinute();
    const one = await advanceTo(again.t + 30 * minute, { dueTimesMax: 7, millisMax: 0 });
    expect(one).toEqual(Array.from({ length: 30 }, (_, index) => again.t + (index + 1) * minute));
    expect(await again.outcome()).toEqual({ allocation, filled });
    expect(await server.audit()).toEqual([]);
  });
});
