// The book's rules, beside the matcher (matching.ts) and a trade's settlement (settlement.ts):
// whether an order can be placed and held (its pool's kind, its cost, and the cash a buy holds or
// the allocation a sell must cover), how the book is read to match it (best price first, in
// growing rounds, never against its own account's pool; all or nothing unless it allows partial
// fills), which resting sell is cancelled because its pool no longer holds what it offered, and
// when a resting order's end has come.
// Pure and synchronous, `now` an argument: app/market/book.ts loads, calls these and writes.

import { shortfall } from '../allocation/ledger.js';
import { type PoolKind, transferRefusal } from '../allocation/pools.js';
import { fail, type Failure, invalidField } from '../kernel/failures.js';
import { bookRoundOrdersFirst, bookRoundOrdersMax } from '../kernel/limits.js';
import { costOf, formatDollars } from '../kernel/money.js';
import { add, clip, emptySchedule, floorToMinute, isEmpty, type Schedule, subtract, totalNodeSeconds } from '../kernel/schedule.js';
import { ledgerKeys } from './ledger-keys.js';
import { match, type RestingOrder, type Side, type Trade } from './matching.js';
import { isResting, type OrderStatus } from './order-status.js';
import { type OrderWindow, windowSchedule } from './orders.js';
import { closeOrder, type Closing } from './settlement.js';

// Placing ------------------------------------------------------------------------------------

/** Why the order's pool cannot take part, or null: a buy's pool receives, a sell's gives. */
export function poolRefusal(side: Side, pool: { readonly name: string; readonly kind: PoolKind }): Failure | null {
  return transferRefusal(side === 'buy' ? 'destination' : 'source', pool.name, pool.kind);
}

/** What an order asks of the book: the nodes it wants from the current minute on, and what they cost at its limit price. */
export interface OrderDemand {
  readonly wanted: Schedule;
  readonly costMicros: number;
}

/** An order's demand at `now`, or a refusal when its cost at the limit price is beyond what allot can account for. */
export function orderDemand(window: OrderWindow, limitMicros: number, now: number): OrderDemand | Failure {
  const wanted = clip(windowSchedule(window), floorToMinute(now), null);
  const costMicros = costOf(limitMicros, totalNodeSeconds(wanted));
  if (costMicros === null) return invalidField('allocation_schedule_delta', 'too_large', 'The order is too large: its cost at the limit price is beyond what allot can account for');
  return { wanted, costMicros };
}

/** What covers an order, as loaded under its locks: a buy's cash, or a sell's pool balance of the SKU. */
export type OrderCover =
  | { readonly side: 'buy'; readonly cashMicros: number }
  | { readonly side: 'sell'; readonly poolId: string; readonly instanceSkuId: string; readonly balance: Schedule };

/** How a new order opens: pending, wanting its demand, nothing filled, holding (a buy) its cost at the limit price. */
export interface OrderOpening {
  readonly status: 'pending';
  readonly remaining: Schedule;
  readonly filled: Schedule;
  readonly holdMicros: number;
}

/**
 * Opens an order, or refuses it: a buy holds its whole cost at its limit price out of its cash
 * (`insufficient_balance` when the cash is less), a sell offers only what its pool holds at every
 * minute from now on (`insufficient_allocation`, naming the first minute short).
 */
export function openOrder(demand: OrderDemand, cover: OrderCover, now: number): OrderOpening | Failure {
  const opening = { status: 'pending' as const, remaining: demand.wanted, filled: emptySchedule };
  if (cover.side === 'buy') {
    if (cover.cashMicros < demand.costMicros) {
      return fail('insufficient_balance', `Insufficient balance: the order holds ${formatDollars(demand.costMicros)} dollars at its limit price, and ${formatDollars(cover.cashMicros)} are available`);
    }
    return { ...opening, holdMicros: demand.costMicros };
  }
  const gap = shortfall(cover.balance, demand.wanted, floorToMinute(now));
  if (gap !== null) {
    return fail('insufficient_allocation', `Pool ${cover.poolId} holds ${gap.holds} node(s) of ${cover.instanceSkuId} at ${gap.at}, but the sell offers ${gap.needs}`, [
      { field: 'allocation_schedule_delta', code: 'insufficient_allocation', message: `The pool holds ${gap.holds} node(s) at ${gap.at}; the sell offers ${gap.needs}` },
    ]);
  }
  return { ...opening, holdMicros: 0 };
}

/**
 * Whether a sell's pool, its balance now locked for the fill, still holds what the sell offers
 * (`openOrder` checked it on a read made before the lock, so that the fill locks every balance
 * it moves in key order): when it no longer does, the placement is run again from the start,
 * and refused there as if it had come after what took it.
 */
export function sellStillCovered(remaining: Schedule, balance: Schedule, now: number): boolean {
  return shortfall(balance, remaining, floorToMinute(now)) === null;
}

/** The money entry that takes a new buy's hold out of its account's cash, or null when it holds nothing. */
export function holdEntry(order: { readonly id: string; readonly accountId: string; readonly holdMicros: number }): { readonly from: string; readonly to: string; readonly amountMicros: number; readonly reason: 'order_hold'; readonly orderId: string } | null {
  if (order.holdMicros === 0) return null;
  return { from: ledgerKeys.cash(order.accountId), to: ledgerKeys.held(order.accountId), amountMicros: order.holdMicros, reason: 'order_hold', orderId: order.id };
}

// Reading the book ---------------------------------------------------------------------------

/** An order on the book as the store gives it. */
export interface BookOrder {
  readonly id: string;
  readonly accountId: string;
  readonly poolId: string;
  readonly side: Side;
  readonly limitMicros: number;
  readonly remaining: Schedule;
  readonly allowPartial: boolean;
  readonly seq: number;
}

/** A resting order as the matcher sees it. */
export function asResting(order: BookOrder): RestingOrder {
  return { id: order.id, side: order.side, priceMicrosPerHour: order.limitMicros, remaining: order.remaining, allowPartial: order.allowPartial, seq: order.seq };
}

/** The incoming order being matched. */
export interface SearchingOrder extends BookOrder {
  readonly instanceSkuId: string;
  readonly startAt: number;
  readonly endAt: number;
}

/** What one round reads of the book: the resting orders of the other side at a compatible price that overlap the order, best first. */
export interface BookQuery {
  readonly instanceSkuIds: readonly string[];
  readonly side: Side;
  readonly priceBound: number;
  readonly overlapsFrom: number;
  readonly overlapsTo: number;
}

/** How many resting orders the rounds read: the first, and the most any later one reads (each reads twice the last). */
export interface RoundSizes {
  readonly first: number;
  readonly max: number;
}

/** A search of the book under way (the next round to read), or done (the trades it makes). */
export type BookSearch =
  | {
      readonly done: false;
      readonly order: SearchingOrder;
      readonly currentMinute: number;
      readonly query: BookQuery;
      readonly offset: number;
      readonly size: number;
      readonly sizes: RoundSizes;
      /** What the order still wants once the trades so far are made. */
      readonly need: Schedule;
      readonly trades: readonly Trade[];
    }
  | { readonly done: true; readonly trades: readonly Trade[] };

/** The round sizes the book is read in, by default. */
const defaultRoundSizes: RoundSizes = { first: bookRoundOrdersFirst, max: bookRoundOrdersMax };

/** The first round a search of the book for an order reads at `now`: it depends only on the
 * order's request, so that it can be read before the order is opened, with what covers it. */
export function firstRound(
  order: Pick<SearchingOrder, 'instanceSkuId' | 'side' | 'limitMicros' | 'startAt' | 'endAt'>,
  now: number,
  sizes: RoundSizes = defaultRoundSizes,
): { readonly query: BookQuery; readonly offset: number; readonly size: number } {
  const query: BookQuery = { instanceSkuIds: [order.instanceSkuId], side: order.side === 'buy' ? 'sell' : 'buy', priceBound: order.limitMicros, overlapsFrom: Math.max(order.startAt, floorToMinute(now)), overlapsTo: order.endAt };
  return { query, offset: 0, size: sizes.first };
}

/** Begins the search of the book for `order` at `now`: its first round (`firstRound`). */
export function beginSearch(order: SearchingOrder, now: number, sizes: RoundSizes = defaultRoundSizes): BookSearch {
  return { done: false, order, currentMinute: floorToMinute(now), ...firstRound(order, now, sizes), sizes, need: order.remaining, trades: [] };
}

/**
 * Goes on with a search given the round it read (`read`, at most `size` orders, the next ones of
 * the book in priority order): the order trades with them (never with its own account's orders
 * in its own pool), and the search is done once nothing tradable is wanted or the book is read to
 * its end. Done, an order that does not allow partial fills makes its trades only if they fill
 * all it wants from the current minute on, and none otherwise.
 */
export function continueSearch(search: BookSearch, read: readonly BookOrder[]): BookSearch {
  if (search.done) return search;
  const { order, currentMinute } = search;
  const batch = read.filter((resting) => resting.accountId !== order.accountId || resting.poolId !== order.poolId);
  const found = match({ side: order.side, limitMicrosPerHour: order.limitMicros, wanted: search.need, allowPartial: true }, batch.map(asResting), currentMinute);
  let need = search.need;
  for (const trade of found) need = subtract(need, trade.schedule);
  const trades = [...search.trades, ...found];
  const unfilled = !isEmpty(clip(need, currentMinute, null));
  if (unfilled && read.length >= search.size) {
    return { ...search, offset: search.offset + search.size, size: Math.min(search.size * 2, search.sizes.max), need, trades };
  }
  return { done: true, trades: unfilled && !order.allowPartial ? [] : trades };
}

/**
 * The resting orders of a first round that an order's search would trade with (`continueSearch`
 * after `beginSearch`), whether or not it would read on: read before the book was locked, the
 * ones it will most likely trade with, so that placing can lock what their trades move in the
 * round trip that locks the book (app/market/book.ts). Only a guess: the trades are found again
 * under the book's lock.
 */
export function likelyCounterparties(order: SearchingOrder, firstRound: readonly BookOrder[], now: number, sizes: RoundSizes = defaultRoundSizes): readonly BookOrder[] {
  const { trades } = continueSearch(beginSearch(order, now, sizes), firstRound);
  const traded = new Set(trades.map((trade) => trade.restingId));
  return firstRound.filter((resting) => traded.has(resting.id));
}

// Delivering ---------------------------------------------------------------------------------

/** What a resting sell's cancellation says, when its pool no longer holds what it offered. */
export const unheldSellReason = 'Cancelled: its pool no longer holds the allocation it offered';

/**
 * The trades whose resting sells must still be shown to deliver before any is written: an
 * incoming buy's (allocation may have left a resting sell's pool since it was placed); none of an
 * incoming sell's, whose own pool was checked as it was placed, under the same locks.
 */
export function tradesToDeliver(incoming: { readonly side: Side }, trades: readonly Trade[]): readonly Trade[] {
  return incoming.side === 'buy' ? trades : [];
}

/** What the resting sells checked so far owe, pool by pool. */
export type Owed = ReadonlyMap<string, Schedule>;

/**
 * One trade's delivery, checked: its sell's pool (balance as locked) must hold what all the
 * checked trades from that pool owe, at every minute from the current one on. Answers what is
 * owed with this trade, and whether the pool holds it; the first trade whose pool does not has
 * its sell cancelled (`cancelUnheldSell`) and the order is matched again without it.
 */
export function checkDelivery(owed: Owed, sellPoolId: string, schedule: Schedule, balance: Schedule, now: number): { readonly owed: Owed; readonly holds: boolean } {
  const total = add(owed.get(sellPoolId) ?? emptySchedule, schedule);
  const next = new Map(owed).set(sellPoolId, total);
  return { owed: next, holds: shortfall(balance, total, floorToMinute(now)) === null };
}

/** The first of the deliveries (in trade order) whose pool cannot deliver, by `checkDelivery`, or null. */
export function firstUnheld(deliveries: readonly { readonly sellId: string; readonly poolId: string; readonly schedule: Schedule; readonly balance: Schedule }[], now: number): string | null {
  let owed: Owed = new Map();
  for (const delivery of deliveries) {
    const checked = checkDelivery(owed, delivery.poolId, delivery.schedule, delivery.balance, now);
    if (!checked.holds) return delivery.sellId;
    owed = checked.owed;
  }
  return null;
}

/** Ends a resting sell whose pool no longer holds what it offered. */
export function cancelUnheldSell(sell: Parameters<typeof closeOrder>[0], now: number): Closing {
  return closeOrder(sell, 'cancelled', now, unheldSellReason);
}

// Expiring -----------------------------------------------------------------------------------

/** Whether a resting order's end has come at `at`: then it is cancelled (an order that is done, or not yet at its end, is left alone). */
export function isExpired(order: { readonly status: OrderStatus; readonly endAt: number }, at: number): boolean {
  return isResting(order.status) && order.endAt <= at;
}
