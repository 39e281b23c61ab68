// v0 orders: SF Compute's older orders, placed on allot's book. A v0 order names a total price in
// cents for the whole block (not a rate), a window of ISO times, a node count and flags; it is
// one all-or-nothing order that rests on the book unless `ioc`. Its status is v2's seen in v0's
// words: resting orders are `open`.

import { v0OrderNodesMax } from '../kernel/limits.js';
import { type Failure, invalidField } from '../kernel/failures.js';
import { microsPerCent, priceTickMicrosPerHour } from '../kernel/money.js';
import type { OrderStatus } from '../market/order-status.js';
import { floorToMinute, hourSeconds, isMinuteAligned, minuteSeconds } from '../kernel/schedule.js';
import { parseIsoTime, parseNowOrIso } from './times.js';

export type V0OrderStatus = 'pending' | 'open' | 'filled' | 'cancelled' | 'rejected';

export function v0OrderStatusOf(status: OrderStatus): V0OrderStatus {
  switch (status) {
    case 'standing':
    case 'partially_filled':
      return 'open';
    default:
      return status;
  }
}

export interface V0OrderFlags {
  readonly ioc?: boolean | undefined;
  readonly post_only?: boolean | undefined;
  readonly market?: boolean | undefined;
  readonly prorate?: boolean | undefined;
}

export interface V0OrderWindowInput {
  readonly quantity: number;
  readonly start_at: string;
  readonly end_at: string;
  readonly price: number;
  readonly flags?: V0OrderFlags | undefined;
}

export interface V0OrderTerms {
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
  /** Micro-dollars per node-hour: the total spread over the node-hours, on the price tick. */
  readonly limitMicros: number;
  readonly allowStanding: boolean;
}

/**
 * Checks a v0 order's window, count, price and flags at `now`. The start is NOW, a time within a
 * minute of now (the current minute), or a later whole minute; the end a whole minute after it.
 * The price is the total in cents, spread over the node-hours and rounded to the nearest price
 * tick as v2's dollar prices are (a fill trades at the resting order's price anyway). `market` and `post_only` have no counterpart in allot's book
 * and are refused; `prorate` changes nothing (a window that has begun trades from the current
 * minute anyway).
 */
export function parseV0OrderTerms(input: V0OrderWindowInput, side: 'buy' | 'sell', now: number): V0OrderTerms | Failure {
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 1 || input.quantity > v0OrderNodesMax) return invalidField('quantity', 'out_of_range', `quantity is a number of nodes from 1 to ${v0OrderNodesMax}`);
  const currentMinute = floorToMinute(now);
  const start = parseNowOrIso(input.start_at, 'start_at', now);
  if (typeof start !== 'number') return start;
  let startAt: number;
  if (Math.abs(start - now) <= minuteSeconds) startAt = currentMinute;
  else if (start < now) return invalidField('start_at', 'in_the_past', 'start_at must be NOW, within a minute of now, or later');
  else if (!isMinuteAligned(start)) return invalidField('start_at', 'misaligned', 'A later start_at must be a whole minute');
  else startAt = start;
  const endAt = parseIsoTime(input.end_at, 'end_at');
  if (typeof endAt !== 'number') return endAt;
  if (!isMinuteAligned(endAt)) return invalidField('end_at', 'misaligned', 'end_at must be a whole minute');
  if (endAt <= startAt) return invalidField('end_at', 'invalid_range', 'end_at must be after start_at');
  if (!Number.isSafeInteger(input.price) || input.price < 0 || input.price > 1e13) return invalidField('price', 'out_of_range', 'price is the total in whole cents, at least 0');
  if (input.flags?.market === true) return invalidField('flags.market', 'unsupported', 'allot has no market orders: give a price');
  if (input.flags?.post_only === true) return invalidField('flags.post_only', 'unsupported', 'allot always matches an order as it is placed: post_only is not supported');
  // Cents × micro-dollars per cent × seconds per hour, over node-seconds, to the nearest tick (half up), in bigint.
  const numerator = BigInt(input.price) * BigInt(microsPerCent) * BigInt(hourSeconds);
  const divisor = BigInt(input.quantity) * BigInt(endAt - startAt) * BigInt(priceTickMicrosPerHour);
  const limitMicros = Number(((2n * numerator + divisor) / (2n * divisor)) * BigInt(priceTickMicrosPerHour));
  if (side === 'buy' && limitMicros === 0) return invalidField('price', 'too_low', 'price is below the smallest rate allot prices at ($0.000060 per node-hour)');
  return { startAt, endAt, nodeCount: input.quantity, limitMicros, allowStanding: input.flags?.ioc !== true };
}

/** A rate over a window as the total cents v0 shows: micro-dollars per node-hour × node-hours, to the nearest cent. */
export function v0TotalCents(limitMicros: number, nodeCount: number, startAt: number, endAt: number): number {
  const micros = (BigInt(limitMicros) * BigInt(nodeCount) * BigInt(endAt - startAt)) / BigInt(hourSeconds);
  return Number((micros + BigInt(microsPerCent / 2)) / BigInt(microsPerCent));
}
