// Matching: an incoming order trades against resting orders of the other side whose price is
// compatible — best price first, then time priority — minute by minute across its window, taking
// as many counterparties as it needs. Trades happen at the resting order's price. A resting order
// that does not allow partial fills is taken whole or not at all; an incoming order that does
// not allow partial fills fills completely or not at all. Only minutes from `tradableFrom` on
// trade: the past cannot be delivered.

import { clip, firstBelow, isEmpty, minimum, type Schedule, subtract } from '../kernel/schedule.js';

export type Side = 'buy' | 'sell';

export interface RestingOrder {
  readonly id: string;
  readonly side: Side;
  readonly priceMicrosPerHour: number;
  /** Nodes still unfilled, over time. */
  readonly remaining: Schedule;
  readonly allowPartial: boolean;
  /** Time priority: lower came first. */
  readonly seq: number;
}

export interface IncomingOrder {
  readonly side: Side;
  readonly limitMicrosPerHour: number;
  /** Nodes wanted, over time. */
  readonly wanted: Schedule;
  readonly allowPartial: boolean;
}

export interface Trade {
  readonly restingId: string;
  /** Nodes traded over time. */
  readonly schedule: Schedule;
  readonly priceMicrosPerHour: number;
}

export function isCompatible(incoming: Pick<IncomingOrder, 'side' | 'limitMicrosPerHour'>, resting: Pick<RestingOrder, 'side' | 'priceMicrosPerHour'>): boolean {
  if (incoming.side === resting.side) return false;
  return incoming.side === 'buy' ? resting.priceMicrosPerHour <= incoming.limitMicrosPerHour : resting.priceMicrosPerHour >= incoming.limitMicrosPerHour;
}

/** Best price first (lowest ask for a buyer, highest bid for a seller), then first come. */
export function comparePriority(side: Side): (a: RestingOrder, b: RestingOrder) => number {
  return (a, b) => (side === 'buy' ? a.priceMicrosPerHour - b.priceMicrosPerHour : b.priceMicrosPerHour - a.priceMicrosPerHour) || a.seq - b.seq;
}

/** The trades an incoming order makes against the book; none when it cannot fill as it must. */
export function match(incoming: IncomingOrder, book: readonly RestingOrder[], tradableFrom: number): Trade[] {
  const candidates = book.filter((resting) => isCompatible(incoming, resting)).sort(comparePriority(incoming.side));
  let need = clip(incoming.wanted, tradableFrom, null);
  const trades: Trade[] = [];
  for (const resting of candidates) {
    if (isEmpty(need)) break;
    const available = clip(resting.remaining, tradableFrom, null);
    if (isEmpty(available)) continue;
    let take: Schedule;
    if (resting.allowPartial) {
      take = minimum(need, available);
    } else {
      // Whole or nothing: all it still offers, and only if all of it is wanted.
      if (firstBelow(subtract(need, available), 0, Number.MIN_SAFE_INTEGER) !== null) continue;
      take = available;
    }
    if (isEmpty(take)) continue;
    trades.push({ restingId: resting.id, schedule: take, priceMicrosPerHour: resting.priceMicrosPerHour });
    need = subtract(need, take);
  }
  if (!incoming.allowPartial && !isEmpty(need)) return [];
  return trades;
}
