// The book's rules (domain/market/book.ts): whether an order opens and what it holds, how the
// book is read in rounds with the all-or-nothing rule, which resting sell cannot deliver, and
// when a resting order expires; and whether an order may be cancelled (domain/market/orders.ts).
// Examples, and properties against brute-force models that count minute by minute over the
// whole book at once.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Failure, isFailure } from '../../src/domain/kernel/failures.js';
import { bookRoundOrdersFirst, bookRoundOrdersMax } from '../../src/domain/kernel/limits.js';
import { normalize, type Schedule, valueAt } from '../../src/domain/kernel/schedule.js';
import {
  asResting,
  beginSearch,
  type BookOrder,
  type BookSearch,
  cancelUnheldSell,
  checkDelivery,
  continueSearch,
  firstUnheld,
  holdEntry,
  isExpired,
  likelyCounterparties,
  openOrder,
  type OrderDemand,
  orderDemand,
  poolRefusal,
  type RoundSizes,
  type SearchingOrder,
  tradesToDeliver,
  unheldSellReason,
} from '../../src/domain/market/book.js';
import { comparePriority, type Trade } from '../../src/domain/market/matching.js';
import { orderStatuses } from '../../src/domain/market/order-status.js';
import { cancellationRefusal } from '../../src/domain/market/orders.js';

const t0 = 1_800_000_000 - (1_800_000_000 % 60);
const minutes = 12;
const at = (minute: number) => t0 + minute * 60;

/** A schedule from counts per minute from t0. */
function perMinute(counts: readonly number[]): Schedule {
  return normalize([...counts.map((count, i) => ({ at: at(i), count })), { at: at(counts.length), count: 0 }]);
}

/** The model's view of a schedule: its count at each minute from t0, zero before `from`. */
function countsOf(schedule: Schedule, from = 0): number[] {
  return Array.from({ length: minutes + 1 }, (_, i) => (i < from ? 0 : valueAt(schedule, at(i))));
}

const rectangle = (start: number, end: number, count: number) => perMinute(Array.from({ length: end }, (_, i) => (i < start ? 0 : count)));
const demandOf = (result: OrderDemand | Failure): OrderDemand => {
  if (isFailure(result)) throw new Error(result.message);
  return result;
};

describe('placing an order', () => {
  it('refuses a buy into a pool that cannot receive, and a sell out of one that cannot give', () => {
    expect(poolRefusal('buy', { name: 'origin', kind: 'originating' })?.failure).toBe('pool_cannot_receive');
    expect(poolRefusal('sell', { name: 'origin', kind: 'originating' })).toBeNull();
    expect(poolRefusal('sell', { name: 'frozen', kind: 'read_only' })).not.toBeNull();
    expect(poolRefusal('buy', { name: 'frozen', kind: 'read_only' })).not.toBeNull();
    expect(poolRefusal('buy', { name: 'market', kind: 'market' })).toBeNull();
  });

  it('wants the window from the current minute on and prices it at the limit', () => {
    // Two nodes for ten minutes, placed 30 s into its third minute: eight minutes are left.
    const demand = demandOf(orderDemand({ startAt: at(0), endAt: at(10), nodeCount: 2 }, 120, at(2) + 30));
    expect(countsOf(demand.wanted)).toEqual([0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0]);
    expect(demand.costMicros).toBe(2 * 8 * 2); // 120 micro-dollars per node-hour is 2 per node-minute
  });

  it('refuses an order whose cost at its limit is beyond exact arithmetic', () => {
    const refused = orderDemand({ startAt: at(0), endAt: at(0) + 365 * 86_400, nodeCount: 1024 }, 60 * 1_000_000_000, at(0));
    expect(isFailure(refused) && refused.failure).toBe('invalid_request');
    expect(isFailure(refused) && refused.details?.[0]).toMatchObject({ field: 'allocation_schedule_delta', code: 'too_large' });
  });

  it('holds a buy\'s whole cost out of its cash, refusing it when the cash is less', () => {
    const demand = { wanted: rectangle(0, 4, 1), costMicros: 1_500_000 };
    expect(openOrder(demand, { side: 'buy', cashMicros: 1_500_000 }, at(0))).toMatchObject({ status: 'pending', holdMicros: 1_500_000 });
    const refused = openOrder(demand, { side: 'buy', cashMicros: 1_499_999 }, at(0));
    expect(refused).toEqual({ failure: 'insufficient_balance', message: 'Insufficient balance: the order holds 1.500000 dollars at its limit price, and 1.499999 are available' });
  });

  it('opens a sell only on what its pool holds from the current minute on, naming the first minute short', () => {
    const demand = { wanted: rectangle(2, 6, 2), costMicros: 0 };
    const cover = (counts: number[]) => ({ side: 'sell' as const, poolId: 'pool_s', instanceSkuId: 'sku_1', balance: perMinute(counts) });
    expect(openOrder(demand, cover([0, 0, 2, 2, 2, 2]), at(2))).toMatchObject({ status: 'pending', holdMicros: 0 });
    const refused = openOrder(demand, cover([0, 0, 2, 1, 2, 2]), at(2));
    expect(refused).toMatchObject({ failure: 'insufficient_allocation', message: `Pool pool_s holds 1 node(s) of sku_1 at ${at(3)}, but the sell offers 2` });
    expect(isFailure(refused) && refused.details).toEqual([{ field: 'allocation_schedule_delta', code: 'insufficient_allocation', message: `The pool holds 1 node(s) at ${at(3)}; the sell offers 2` }]);
  });

  it('takes a buy\'s hold out of its cash, and nothing for a sell', () => {
    expect(holdEntry({ id: 'ordr_b', accountId: 'acct_b', holdMicros: 40 })).toEqual({ from: 'cash:acct_b', to: 'held:acct_b', amountMicros: 40, reason: 'order_hold', orderId: 'ordr_b' });
    expect(holdEntry({ id: 'ordr_s', accountId: 'acct_s', holdMicros: 0 })).toBeNull();
  });

  const countsArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: minutes, maxLength: minutes });

  it('opens exactly the orders a minute-by-minute model covers, holding what it costs (against the model)', () => {
    fc.assert(
      fc.property(
        fc.record({ start: fc.integer({ min: 0, max: minutes - 1 }), length: fc.integer({ min: 1, max: minutes }), count: fc.integer({ min: 1, max: 3 }), ticks: fc.integer({ min: 0, max: 50 }), current: fc.integer({ min: 0, max: minutes - 1 }), seconds: fc.integer({ min: 0, max: 59 }) }),
        countsArb,
        fc.integer({ min: 0, max: 2_000 }),
        (order, balance, cashMicros) => {
          const startAt = at(Math.max(order.start, order.current));
          const endAt = at(Math.min(minutes, order.start + order.length));
          if (endAt <= startAt) return;
          const now = at(order.current) + order.seconds;
          const demand = demandOf(orderDemand({ startAt, endAt, nodeCount: order.count }, order.ticks * 60, now));
          const wanted = countsOf(demand.wanted);
          // The model: the window's minutes, each of `count` nodes at `ticks` micro-dollars a node-minute.
          const modelWanted = countsOf(perMinute([]), 0).map((_, minute) => (at(minute) >= startAt && at(minute) < endAt ? order.count : 0));
          expect(wanted).toEqual(modelWanted);
          const modelCost = modelWanted.reduce((sum, count) => sum + count * order.ticks, 0);
          expect(demand.costMicros).toBe(modelCost);

          const bought = openOrder(demand, { side: 'buy', cashMicros }, now);
          if (cashMicros >= modelCost) expect(bought).toEqual({ status: 'pending', remaining: demand.wanted, filled: expect.anything(), holdMicros: modelCost });
          else expect(isFailure(bought) && bought.failure).toBe('insufficient_balance');

          const sold = openOrder(demand, { side: 'sell', poolId: 'pool_s', instanceSkuId: 'sku_1', balance: perMinute(balance) }, now);
          const held = countsOf(perMinute(balance));
          const short = modelWanted.findIndex((count, minute) => minute >= order.current && count > held[minute]!);
          if (short === -1) expect(sold).toMatchObject({ status: 'pending', holdMicros: 0 });
          else expect(sold).toMatchObject({ failure: 'insufficient_allocation', message: `Pool pool_s holds ${held[short]} node(s) of sku_1 at ${at(short)}, but the sell offers ${modelWanted[short]}` });
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

/** The store's side of a search: the book's compatible orders of the other side, best first, a page at a time. */
function runSearch(order: SearchingOrder, book: readonly BookOrder[], now: number, sizes?: RoundSizes): { trades: readonly Trade[]; reads: { offset: number; size: number; length: number }[] } {
  const reads: { offset: number; size: number; length: number }[] = [];
  let search: BookSearch = beginSearch(order, now, sizes);
  while (!search.done) {
    const { query, offset, size } = search;
    const compatible = book
      .filter((resting) => resting.side === query.side && (query.side === 'sell' ? resting.limitMicros <= query.priceBound : resting.limitMicros >= query.priceBound))
      .sort((a, b) => comparePriority(order.side)(asResting(a), asResting(b)));
    const page = compatible.slice(offset, offset + size);
    reads.push({ offset, size, length: page.length });
    search = continueSearch(search, page);
  }
  return { trades: search.trades, reads };
}

describe('reading the book to match an order', () => {
  const restingArb = fc.record({
    side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
    ticks: fc.integer({ min: 1, max: 6 }),
    start: fc.integer({ min: 0, max: minutes - 1 }),
    length: fc.integer({ min: 1, max: minutes }),
    count: fc.integer({ min: 1, max: 3 }),
    allowPartial: fc.boolean(),
    // Some of the book is the incoming order's own account, in its pool or another.
    account: fc.constantFrom('acct_a', 'acct_b', 'acct_c'),
    pool: fc.constantFrom('pool_1', 'pool_2'),
  });
  const bookArb = fc.array(restingArb, { maxLength: 14 }).map((orders) =>
    orders.map((resting, index): BookOrder => ({
      id: `r${index}`,
      accountId: resting.account,
      poolId: `${resting.account}/${resting.pool}`,
      side: resting.side,
      limitMicros: resting.ticks * 60,
      remaining: rectangle(resting.start, Math.min(minutes, resting.start + resting.length), resting.count),
      allowPartial: resting.allowPartial,
      seq: index,
    })),
  );
  const incomingArb = fc.record({
    side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
    ticks: fc.integer({ min: 1, max: 6 }),
    start: fc.integer({ min: 0, max: minutes - 1 }),
    length: fc.integer({ min: 1, max: minutes }),
    count: fc.integer({ min: 1, max: 5 }),
    allowPartial: fc.boolean(),
    current: fc.integer({ min: 0, max: 4 }),
  });
  const sizesArb = fc.record({ first: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 6 }) }).map(({ first, extra }): RoundSizes => ({ first, max: first + extra }));
  const incomingOf = (order: { side: 'buy' | 'sell'; ticks: number; start: number; length: number; count: number; allowPartial: boolean }): SearchingOrder => {
    const endMinute = Math.min(minutes, order.start + order.length);
    return { id: 'incoming', accountId: 'acct_a', poolId: 'acct_a/pool_1', instanceSkuId: 'sku_1', side: order.side, limitMicros: order.ticks * 60, remaining: rectangle(order.start, endMinute, order.count), allowPartial: order.allowPartial, seq: 1_000, startAt: at(order.start), endAt: at(endMinute) };
  };

  it('makes, over any rounds, the trades a minute-by-minute model of the whole book makes (against it)', () => {
    fc.assert(
      fc.property(incomingArb, bookArb, sizesArb, (order, book, sizes) => {
        const incoming = incomingOf(order);
        const { trades } = runSearch(incoming, book, at(order.current), sizes);

        // The model: the whole book at once, the order's own account in its own pool left out,
        // the compatible orders walked best price first then first come, each taken minute by
        // minute (partial) or whole (all or nothing); an order that must fill whole trades
        // nothing unless it does, from the current minute on.
        const need = countsOf(incoming.remaining, order.current);
        const model = new Map<string, number[]>();
        const candidates = book
          .filter((resting) => resting.accountId !== incoming.accountId || resting.poolId !== incoming.poolId)
          .filter((resting) => resting.side !== order.side && (order.side === 'buy' ? resting.limitMicros <= incoming.limitMicros : resting.limitMicros >= incoming.limitMicros))
          .sort((a, b) => (order.side === 'buy' ? a.limitMicros - b.limitMicros : b.limitMicros - a.limitMicros) || a.seq - b.seq);
        for (const resting of candidates) {
          const offered = countsOf(resting.remaining, order.current);
          const whole = offered.every((count, minute) => count <= need[minute]!);
          const take = resting.allowPartial ? offered.map((count, minute) => Math.min(count, need[minute]!)) : whole ? offered : offered.map(() => 0);
          if (take.every((count) => count === 0)) continue;
          take.forEach((count, minute) => (need[minute]! -= count));
          model.set(resting.id, take);
        }
        if (!order.allowPartial && need.some((count) => count > 0)) model.clear();

        expect(new Map(trades.map((trade) => [trade.restingId, countsOf(trade.schedule)]))).toEqual(model);
        for (const trade of trades) expect(trade.priceMicrosPerHour).toBe(book.find((resting) => resting.id === trade.restingId)!.limitMicros);
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads the book in growing rounds, one after the other, and stops at a short round or once the order is filled', () => {
    fc.assert(
      fc.property(incomingArb, bookArb, sizesArb, (order, book, sizes) => {
        const incoming = incomingOf(order);
        const { trades, reads } = runSearch(incoming, book, at(order.current), sizes);
        expect(reads[0]).toMatchObject({ offset: 0, size: sizes.first });
        for (let i = 1; i < reads.length; i++) {
          expect(reads[i]!.offset).toBe(reads[i - 1]!.offset + reads[i - 1]!.size);
          expect(reads[i]!.size).toBe(Math.min(reads[i - 1]!.size * 2, sizes.max));
          expect(reads[i - 1]!.length).toBe(reads[i - 1]!.size); // only a full round is followed by another
        }
        const last = reads.at(-1)!;
        if (last.length === last.size) {
          // Stopped with rounds left: the order wants nothing more from the current minute on.
          const traded = countsOf(perMinute([]));
          for (const trade of trades) countsOf(trade.schedule).forEach((count, minute) => (traded[minute]! += count));
          expect(traded).toEqual(countsOf(incoming.remaining, order.current));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads bookRoundOrdersFirst resting orders first, then twice as many each round up to bookRoundOrdersMax', () => {
    const incoming: SearchingOrder = { id: 'incoming', accountId: 'acct_a', poolId: 'pool_a', instanceSkuId: 'sku_1', side: 'buy', limitMicros: 600, remaining: rectangle(0, 2, 10_000), allowPartial: true, seq: 0, startAt: at(0), endAt: at(2) };
    const book = Array.from({ length: 2_000 }, (_, i): BookOrder => ({ id: `s${i}`, accountId: 'acct_s', poolId: 'pool_s', side: 'sell', limitMicros: 600, remaining: rectangle(0, 2, 1), allowPartial: true, seq: i }));
    const { trades, reads } = runSearch(incoming, book, at(0));
    // 16 + 32 + … + 256 is 496; three rounds of 512 more reach the end, the last one short.
    expect(reads.map((read) => read.size)).toEqual([bookRoundOrdersFirst, 32, 64, 128, 256, bookRoundOrdersMax, bookRoundOrdersMax, bookRoundOrdersMax]);
    expect(reads.at(-1)!.length).toBe(2_000 - 496 - 2 * 512);
    expect(trades).toHaveLength(2_000);
  });

  it('guesses from a first round the resting orders a whole search trades with, exactly when that round ends it (against it)', () => {
    fc.assert(
      fc.property(incomingArb, bookArb, sizesArb, (order, book, sizes) => {
        const incoming = incomingOf(order);
        const now = at(order.current);
        const { trades, reads } = runSearch(incoming, book, now, sizes);
        // The first round as the store reads it: the compatible orders, best first.
        const firstRound = book
          .filter((resting) => resting.side !== incoming.side && (incoming.side === 'buy' ? resting.limitMicros <= incoming.limitMicros : resting.limitMicros >= incoming.limitMicros))
          .sort((a, b) => comparePriority(incoming.side)(asResting(a), asResting(b)))
          .slice(0, sizes.first);
        const likely = likelyCounterparties(incoming, firstRound, now, sizes);
        for (const resting of likely) expect(firstRound).toContain(resting);
        const tradedWith = new Set(trades.map((trade) => trade.restingId));
        if (reads.length === 1) expect(likely.map((resting) => resting.id).sort()).toEqual([...tradedWith].sort());
        // Rounds beyond the first only add counterparties, save that all or nothing may drop them all.
        else if (tradedWith.size > 0) for (const resting of likely) expect(tradedWith.has(resting.id)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('trades nothing for an order that must fill whole and cannot, and what there is for one that may fill in part', () => {
    const book: BookOrder[] = [{ id: 's1', accountId: 'acct_s', poolId: 'pool_s', side: 'sell', limitMicros: 120, remaining: rectangle(0, 10, 1), allowPartial: true, seq: 1 }];
    const wantsTwo = (allowPartial: boolean): SearchingOrder => ({ id: 'b', accountId: 'acct_b', poolId: 'pool_b', instanceSkuId: 'sku_1', side: 'buy', limitMicros: 120, remaining: rectangle(0, 10, 2), allowPartial, seq: 9, startAt: at(0), endAt: at(10) });
    expect(runSearch(wantsTwo(false), book, at(0)).trades).toEqual([]);
    expect(runSearch(wantsTwo(true), book, at(0)).trades.map((trade) => [trade.restingId, countsOf(trade.schedule)])).toEqual([['s1', countsOf(rectangle(0, 10, 1))]]);
    // Its own account's order in its own pool is passed over; another pool of the same account trades.
    const own: BookOrder = { ...book[0]!, accountId: 'acct_b', poolId: 'pool_b' };
    expect(runSearch(wantsTwo(true), [own], at(0)).trades).toEqual([]);
    expect(runSearch(wantsTwo(true), [{ ...own, poolId: 'pool_b2' }], at(0)).trades).toHaveLength(1);
  });
});

describe('delivering what resting sells offered', () => {
  const trade = (restingId: string, counts: number[]): Trade => ({ restingId, schedule: perMinute(counts), priceMicrosPerHour: 60 });

  it('checks the resting sells of an incoming buy, and nothing of an incoming sell\'s', () => {
    const trades = [trade('s1', [1]), trade('s2', [1])];
    expect(tradesToDeliver({ side: 'buy' }, trades)).toEqual(trades);
    expect(tradesToDeliver({ side: 'sell' }, trades)).toEqual([]);
  });

  it('finds the first sell whose pool cannot deliver what all the trades from it owe', () => {
    // Pool p holds one node: either of its sells alone delivers, both together do not.
    const balance = perMinute([1, 1]);
    expect(firstUnheld([{ sellId: 's1', poolId: 'p', schedule: perMinute([1, 1]), balance }], at(0))).toBeNull();
    expect(firstUnheld([{ sellId: 's1', poolId: 'p', schedule: perMinute([1, 1]), balance }, { sellId: 's2', poolId: 'p', schedule: perMinute([0, 1]), balance }], at(0))).toBe('s2');
    // Minutes before the current one are not owed.
    expect(firstUnheld([{ sellId: 's1', poolId: 'p', schedule: perMinute([2, 1]), balance }], at(1))).toBeNull();
    const first = checkDelivery(new Map(), 'p', perMinute([1, 1]), balance, at(0));
    expect(first.holds).toBe(true);
    expect(checkDelivery(first.owed, 'q', perMinute([1]), perMinute([1]), at(0)).holds).toBe(true);
    expect(checkDelivery(first.owed, 'p', perMinute([1]), balance, at(0)).holds).toBe(false);
  });

  it('cancels an unheld sell, saying why, and releases what it held', () => {
    expect(cancelUnheldSell({ id: 's1', accountId: 'acct_s', holdMicros: 0, status: 'standing' }, at(3))).toEqual({ release: null, change: { status: 'cancelled', holdMicros: 0, updatedAt: at(3), cancelledAt: at(3), rejectedReason: unheldSellReason } });
    expect(() => cancelUnheldSell({ id: 's1', accountId: 'acct_s', holdMicros: 0, status: 'filled' }, at(3))).toThrow();
  });

  it('finds the sell a minute-by-minute model of each pool\'s debts finds first (against it)', () => {
    // Small debts against larger balances, so that a pool often falls short only after several trades.
    const owedArb = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: minutes, maxLength: minutes });
    const balanceArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: minutes, maxLength: minutes });
    fc.assert(
      fc.property(
        fc.array(fc.record({ pool: fc.constantFrom('p', 'q', 'r'), counts: owedArb }), { maxLength: 8 }),
        fc.record({ p: balanceArb, q: balanceArb, r: balanceArb }),
        fc.integer({ min: 0, max: minutes - 1 }),
        (trades, balances, current) => {
          const deliveries = trades.map((delivered, index) => ({ sellId: `s${index}`, poolId: delivered.pool, schedule: perMinute(delivered.counts), balance: perMinute(balances[delivered.pool as 'p']) }));
          const owed: Record<string, number[]> = { p: Array(minutes).fill(0), q: Array(minutes).fill(0), r: Array(minutes).fill(0) };
          let model: string | null = null;
          for (const [index, delivered] of trades.entries()) {
            delivered.counts.forEach((count, minute) => (owed[delivered.pool]![minute]! += count));
            if (owed[delivered.pool]!.some((count, minute) => minute >= current && count > balances[delivered.pool as 'p'][minute]!)) {
              model = `s${index}`;
              break;
            }
          }
          expect(firstUnheld(deliveries, at(current) + 17)).toBe(model);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('ending a resting order', () => {
  // The model: an order rests on the book while standing or partially filled, and only then.
  const resting = new Set(['standing', 'partially_filled']);

  it('cancels only a resting order, refusing any other as not cancellable', () => {
    for (const status of orderStatuses) {
      const refusal = cancellationRefusal({ id: 'ordr_1', status });
      if (resting.has(status)) expect(refusal).toBeNull();
      else expect(refusal).toEqual({ failure: 'order_not_cancellable', message: `Order ordr_1 is ${status}: it cannot be cancelled` });
    }
  });

  it('expires a resting order once its end has come, and nothing else (against the model)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...orderStatuses), fc.integer({ min: 0, max: minutes }), fc.integer({ min: 0, max: minutes * 60 }), (status, end, seconds) => {
        expect(isExpired({ status, endAt: at(end) }, t0 + seconds)).toBe(resting.has(status) && at(end) <= t0 + seconds);
      }),
    );
    expect(isExpired({ status: 'standing', endAt: at(2) }, at(2) - 1)).toBe(false);
    expect(isExpired({ status: 'standing', endAt: at(2) }, at(2))).toBe(true);
  });
});
