// Settling a trade (domain/market/settlement.ts) and the order state machine
// (domain/market/order-status.ts): examples, and properties against a brute-force model that
// counts minute by minute — every settlement's money entries sum to zero per account as the model
// says they should, its allocation move conserves node-seconds, and no order leaves a terminal
// status.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeePolicy } from '../../src/domain/kernel/money.js';
import { ledgerKeys } from '../../src/domain/market/ledger-keys.js';
import { canTransition, isTerminal, nextStatus, type OrderEvent, type OrderStatus, orderStatuses } from '../../src/domain/market/order-status.js';
import { closeOrder, settle, type SettlingOrder } from '../../src/domain/market/settlement.js';
import { normalize, type Schedule, valueAt } from '../../src/domain/kernel/schedule.js';

const t0 = 1_800_000_000 - (1_800_000_000 % 60);
const minutes = 12;

/** A schedule from counts per minute from t0. */
function perMinute(counts: readonly number[]): Schedule {
  return normalize([...counts.map((count, i) => ({ at: t0 + i * 60, count })), { at: t0 + counts.length * 60, count: 0 }]);
}

/** The model's view of a schedule: its count at each minute from t0. */
function countsOf(schedule: Schedule): number[] {
  return Array.from({ length: minutes + 2 }, (_, i) => valueAt(schedule, t0 + i * 60));
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function order(overrides: Partial<SettlingOrder> & Pick<SettlingOrder, 'id' | 'side'>): SettlingOrder {
  return { accountId: 'acct_a', poolId: 'pool_a', instanceSkuId: 'sku_1', limitMicros: 0, remaining: perMinute([]), filled: perMinute([]), holdMicros: 0, status: 'pending', ...overrides };
}

describe('settle', () => {
  const policy: FeePolicy = { flatMicrosPerNodeHour: 0, basisPoints: 200 };

  it('settles a buy against a resting ask: contract at the ask, fee from the seller, the rest of the limit back to the buyer', () => {
    const hour = Array.from({ length: 60 }, () => 2);
    const sell = order({ id: 'ordr_s', side: 'sell', accountId: 'acct_s', poolId: 'pool_s', limitMicros: 1_500_000, remaining: perMinute(hour), status: 'standing' });
    const buy = order({ id: 'ordr_b', side: 'buy', accountId: 'acct_b', poolId: 'pool_b', limitMicros: 2_000_040, remaining: perMinute(hour), holdMicros: 4_000_080 });
    const settled = settle(buy, sell, { restingId: 'ordr_s', schedule: perMinute(hour), priceMicrosPerHour: 1_500_000, contractId: 'cont_1' }, policy, t0);
    expect(settled.contract).toMatchObject({ id: 'cont_1', buyOrderId: 'ordr_b', sellOrderId: 'ordr_s', totalMicros: 3_000_000, feeMicros: 60_000, priceMicros: 1_500_000, startAt: t0, endAt: t0 + 3600, filledAt: t0 });
    expect(settled.allocationMove).toMatchObject({ kind: 'fill', fromPoolId: 'pool_s', toPoolId: 'pool_b', referenceId: 'cont_1' });
    expect(settled.moneyEntries.map(({ to, amountMicros, reason }) => [reason, to, amountMicros])).toEqual([
      ['fill_proceeds', 'cash:acct_s', 2_940_000],
      ['fill_fee', 'fees:sku_1', 60_000], // the SKU's own fee account
      ['price_improvement', 'cash:acct_b', 1_000_080],
    ]);
    expect(settled.transactions).toEqual([
      { accountId: 'acct_b', type: 'buy_order', amountMicros: -3_000_000, orderId: 'ordr_b' },
      { accountId: 'acct_s', type: 'sell_order', amountMicros: 2_940_000, orderId: 'ordr_s' },
    ]);
    const [buyChange, sellChange] = settled.orderChanges;
    expect(buyChange).toMatchObject({ orderId: 'ordr_b', holdMicros: 0 });
    expect(buyChange.status).toBeUndefined(); // the incoming order's status is decided when matching ends
    expect(sellChange).toMatchObject({ orderId: 'ordr_s', status: 'filled', holdMicros: 0 });
  });

  it('closes a resting buy that the trade fills, releasing what it still holds', () => {
    const buy = order({ id: 'ordr_b', side: 'buy', limitMicros: 120, remaining: perMinute([1, 1]), holdMicros: 10, status: 'partially_filled' });
    const sell = order({ id: 'ordr_s', side: 'sell', accountId: 'acct_s', poolId: 'pool_s', limitMicros: 60, remaining: perMinute([1, 1]) });
    const settled = settle({ ...buy, holdMicros: 4 + 10 }, sell, { restingId: 'ordr_b', schedule: perMinute([1, 1]), priceMicrosPerHour: 120, contractId: 'cont_1' }, policy, t0);
    expect(settled.orderChanges[0]).toMatchObject({ status: 'filled', holdMicros: 0 });
    expect(settled.moneyEntries.at(-1)).toEqual({ from: 'held:acct_a', to: 'cash:acct_a', amountMicros: 10, reason: 'order_release', orderId: 'ordr_b', contractId: null });
  });

  it('refuses, as a bug, a trade the matcher could not have made', () => {
    const sell = order({ id: 'ordr_s', side: 'sell', limitMicros: 120, remaining: perMinute([1]), status: 'standing' });
    const buy = order({ id: 'ordr_b', side: 'buy', poolId: 'pool_b', limitMicros: 120, remaining: perMinute([1]), holdMicros: 2 });
    const trade = { restingId: 'ordr_s', schedule: perMinute([1]), priceMicrosPerHour: 120, contractId: 'cont_1' };
    expect(() => settle(buy, sell, trade, policy, t0)).not.toThrow();
    expect(() => settle(buy, sell, { ...trade, schedule: perMinute([2]) }, policy, t0)).toThrow(/still wants/);
    expect(() => settle(buy, sell, { ...trade, priceMicrosPerHour: 180 }, policy, t0)).toThrow(/above the buy's limit/);
    expect(() => settle(buy, sell, { ...trade, priceMicrosPerHour: 60 }, policy, t0)).toThrow(/below the sell's limit/);
    expect(() => settle({ ...buy, holdMicros: 1 }, sell, trade, policy, t0)).toThrow(/holds 1/);
    expect(() => settle(buy, { ...sell, status: 'filled' }, trade, policy, t0)).toThrow(/traded while filled/);
    expect(() => settle(sell, buy, trade, policy, t0)).toThrow(/is not a buy/);
  });

  const countsArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: minutes, maxLength: minutes });
  const settlementArb = fc
    .record({
      trade: countsArb,
      buyExtra: countsArb,
      sellExtra: countsArb,
      sellTicks: fc.integer({ min: 0, max: 100_000 }),
      spreadTicks: fc.integer({ min: 0, max: 1000 }),
      improvementTicks: fc.integer({ min: 0, max: 1000 }),
      restingSide: fc.constantFrom('buy' as const, 'sell' as const),
      restingStatus: fc.constantFrom('standing' as const, 'partially_filled' as const),
      sameAccount: fc.boolean(),
      holdSlack: fc.integer({ min: 0, max: 1000 }),
      policy: fc.record({ flatMicrosPerNodeHour: fc.integer({ min: 0, max: 1_000_000 }), basisPoints: fc.integer({ min: 0, max: 10_000 }) }),
      nowMinute: fc.integer({ min: 0, max: 2 }),
    })
    .filter((input) => input.trade.some((count) => count > 0));

  it('balances every settlement: entries sum to zero, each account moves as the model says, node-seconds are conserved', () => {
    fc.assert(
      fc.property(settlementArb, (input) => {
        const sellLimit = input.sellTicks * 60;
        // The trade is at the resting order's price: between the two limits.
        const price = sellLimit + input.spreadTicks * 60;
        const buyLimit = price + input.improvementTicks * 60;
        const buyRemaining = input.trade.map((count, i) => count + input.buyExtra[i]!);
        const sellRemaining = input.trade.map((count, i) => count + input.sellExtra[i]!);
        // The model: costs minute by minute (a tick is one micro-dollar per node-minute).
        const tradeNodeMinutes = sum(input.trade);
        const total = tradeNodeMinutes * (price / 60);
        const released = tradeNodeMinutes * (buyLimit / 60);
        const fee = Math.min(total, Math.floor((input.policy.flatMicrosPerNodeHour * tradeNodeMinutes * 60) / 3600) + Math.floor((total * input.policy.basisPoints) / 10_000));
        const hold = sum(buyRemaining) * (buyLimit / 60) + input.holdSlack;

        const buyer = 'acct_b';
        const seller = input.sameAccount ? buyer : 'acct_s';
        const buy = order({ id: 'ordr_b', side: 'buy', accountId: buyer, poolId: 'pool_b', limitMicros: buyLimit, remaining: perMinute(buyRemaining), holdMicros: hold, status: input.restingSide === 'buy' ? input.restingStatus : 'pending' });
        const sell = order({ id: 'ordr_s', side: 'sell', accountId: seller, poolId: 'pool_s', limitMicros: sellLimit, remaining: perMinute(sellRemaining), status: input.restingSide === 'sell' ? input.restingStatus : 'pending' });
        const now = t0 + input.nowMinute * 60;
        const settled = settle(buy, sell, { restingId: input.restingSide === 'buy' ? 'ordr_b' : 'ordr_s', schedule: perMinute(input.trade), priceMicrosPerHour: price, contractId: 'cont_1' }, input.policy, now);

        // Money: every entry non-negative; per key, the net moves sum to zero and match the model.
        const net = new Map<string, number>();
        for (const entry of settled.moneyEntries) {
          expect(entry.amountMicros).toBeGreaterThanOrEqual(0);
          net.set(entry.from, (net.get(entry.from) ?? 0) - entry.amountMicros);
          net.set(entry.to, (net.get(entry.to) ?? 0) + entry.amountMicros);
        }
        expect(sum([...net.values()])).toBe(0);
        const buyDone = input.restingSide === 'buy' && input.buyExtra.slice(input.nowMinute).every((count) => count === 0);
        const stillHeld = hold - released;
        const expected = new Map<string, number>();
        const credit = (key: string, amount: number) => expected.set(key, (expected.get(key) ?? 0) + amount);
        credit(ledgerKeys.held(buyer), -released - (buyDone ? stillHeld : 0));
        credit(ledgerKeys.cash(seller), total - fee);
        credit(ledgerKeys.fees('sku_1'), fee);
        credit(ledgerKeys.cash(buyer), released - total + (buyDone ? stillHeld : 0));
        for (const [key, amount] of expected) expect(net.get(key) ?? 0, key).toBe(amount);
        for (const key of net.keys()) expect(expected.has(key), key).toBe(true);
        expect(settled.contract).toMatchObject({ totalMicros: total, feeMicros: fee, priceMicros: price });
        expect(sum(settled.transactions.map((transaction) => transaction.amountMicros)) + 0).toBe(-fee + 0);

        // Allocation: the move is the trade, out of the seller's pool into the buyer's; applied to
        // any two balances, their sum is unchanged at every minute.
        const move = settled.allocationMove;
        expect(move).toMatchObject({ fromPoolId: 'pool_s', toPoolId: 'pool_b', referenceId: 'cont_1' });
        expect(countsOf(move.delta)).toEqual(countsOf(perMinute(input.trade)));
        const sellerPool = sellRemaining.map((count) => count + 1);
        const buyerPool = input.buyExtra;
        const after = countsOf(move.delta).map((moved, i) => [(sellerPool[i] ?? 0) - moved, (buyerPool[i] ?? 0) + moved] as const);
        after.forEach(([from, to], i) => expect(from + to).toBe((sellerPool[i] ?? 0) + (buyerPool[i] ?? 0)));
        expect(sum(countsOf(settled.contract.schedule)) * 60).toBe(tradeNodeMinutes * 60);

        // Orders: each fills by the trade; remaining + filled is what it had.
        const [buyChange, sellChange] = settled.orderChanges;
        for (const [change, remaining] of [[buyChange, buyRemaining], [sellChange, sellRemaining]] as const) {
          const rest = countsOf(change.remaining);
          const filled = countsOf(change.filled);
          rest.forEach((count, i) => expect(count + filled[i]!).toBe(remaining[i] ?? 0));
          expect(filled).toEqual(countsOf(perMinute(input.trade)));
        }
        expect(buyChange.holdMicros).toBe(buyDone ? 0 : stillHeld);
        expect(sellChange.holdMicros).toBe(0);
        // Only the resting order changes status; it is filled exactly when nothing is left from now.
        const restingChange = input.restingSide === 'buy' ? buyChange : sellChange;
        const incomingChange = input.restingSide === 'buy' ? sellChange : buyChange;
        const extra = input.restingSide === 'buy' ? input.buyExtra : input.sellExtra;
        expect(incomingChange.status).toBeUndefined();
        expect(restingChange.status).toBe(extra.slice(input.nowMinute).every((count) => count === 0) ? 'filled' : 'partially_filled');
      }),
      { numRuns: 300 },
    );
  });
});

describe('the order state machine', () => {
  // The model: the allowed transitions, written out as pairs.
  const allowed = new Set([
    'pending>standing', 'pending>partially_filled', 'pending>filled', 'pending>cancelled', 'pending>rejected',
    'standing>partially_filled', 'standing>filled', 'standing>cancelled',
    'partially_filled>partially_filled', 'partially_filled>filled', 'partially_filled>cancelled',
  ]);

  it('allows exactly the transitions of the model', () => {
    for (const from of orderStatuses) for (const to of orderStatuses) expect(canTransition(from, to), `${from}>${to}`).toBe(allowed.has(`${from}>${to}`));
    expect(orderStatuses.filter(isTerminal)).toEqual(['filled', 'cancelled', 'rejected']);
  });

  const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
    fc.record({ kind: fc.constant('matched' as const), filled: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }), remaining: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }), resting: fc.boolean(), now: fc.integer({ min: 0, max: 3 }) }).map(
      ({ filled, remaining, resting, now }) => ({ kind: 'matched' as const, filled: perMinute(filled), remaining: perMinute(remaining), resting, now: t0 + now * 60 }),
    ),
    fc.constant({ kind: 'cancelled' as const }),
    fc.constant({ kind: 'rejected' as const }),
  );

  it('never leaves a terminal status, and moves only along allowed transitions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...orderStatuses), fc.array(eventArb, { maxLength: 20 }), (start, events) => {
        let status: OrderStatus = start;
        let ended = isTerminal(status);
        for (const event of events) {
          const next = nextStatus(status, event);
          if (ended) expect(next).toBeNull();
          if (next === null) continue;
          expect(allowed.has(`${status}>${next}`)).toBe(true);
          status = next;
          ended = isTerminal(status);
        }
      }),
    );
  });

  it('closes an order only into a terminal status it may reach, releasing its hold', () => {
    const resting = { id: 'ordr_1', accountId: 'acct_a', holdMicros: 50, status: 'standing' as const };
    expect(closeOrder(resting, 'cancelled', t0)).toEqual({
      release: { from: 'held:acct_a', to: 'cash:acct_a', amountMicros: 50, reason: 'order_release', orderId: 'ordr_1', contractId: null },
      change: { status: 'cancelled', holdMicros: 0, updatedAt: t0, cancelledAt: t0 },
    });
    expect(closeOrder({ ...resting, holdMicros: 0 }, 'cancelled', t0, 'why').release).toBeNull();
    expect(() => closeOrder({ ...resting, status: 'filled' }, 'cancelled', t0)).toThrow(/cannot move from filled/);
    expect(() => closeOrder(resting, 'partially_filled', t0)).toThrow(/resting status/);
  });
});
