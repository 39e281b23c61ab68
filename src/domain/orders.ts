// The rules of orders: what a request may ask, and the status an order is in after a match.

import { type Failure, invalidField } from './failures.js';
import { floorToMinute, isEmpty, isMinuteAligned, isZeroFrom, normalize, type Schedule, type RectangleInput } from './schedule.js';
import { nodeCountMax } from './limits.js';

export type OrderStatus = 'pending' | 'filled' | 'partially_filled' | 'standing' | 'cancelled' | 'rejected';

export interface OrderWindow {
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
}

/** An order's `allocation_schedule_delta`: exactly one range, both ends given, from the current minute on. */
export function parseOrderWindow(entries: readonly RectangleInput[], field: string, now: number): OrderWindow | Failure {
  if (entries.length !== 1) return invalidField(field, 'single_range', `${field} must be a single range with start_at and end_at`);
  const entry = entries[0]!;
  const at = (part: string) => `${field}.0.${part}`;
  if (entry.end_at === undefined || entry.end_at === null) return invalidField(at('end_at'), 'missing', 'an order\'s range needs an end_at');
  if (!isMinuteAligned(entry.start_at)) return invalidField(at('start_at'), 'misaligned', `${entry.start_at} is not a multiple of 60 seconds`);
  if (!isMinuteAligned(entry.end_at)) return invalidField(at('end_at'), 'misaligned', `${entry.end_at} is not a multiple of 60 seconds`);
  if (entry.end_at <= entry.start_at) return invalidField(at('end_at'), 'invalid_range', `end_at ${entry.end_at} must be after start_at ${entry.start_at}`);
  if (entry.node_count < 1 || entry.node_count > nodeCountMax) return invalidField(at('node_count'), 'out_of_range', 'node_count must be at least 1');
  const currentMinute = floorToMinute(now);
  if (entry.start_at < currentMinute) return invalidField(at('start_at'), 'in_the_past', `start_at ${entry.start_at} is before the current minute ${currentMinute}`);
  return { startAt: entry.start_at, endAt: entry.end_at, nodeCount: entry.node_count };
}

export function windowSchedule(window: OrderWindow): Schedule {
  return normalize([{ at: window.startAt, count: window.nodeCount }, { at: window.endAt, count: 0 }]);
}

/**
 * The status after matching. `resting` says whether the remainder stays on the book (a standing
 * order); an order that does not rest and filled something is `filled`, with
 * `filled_allocation_schedule_delta` saying how much.
 */
export function statusAfterMatch(filled: Schedule, remaining: Schedule, resting: boolean, now: number): OrderStatus {
  const somethingFilled = !isEmpty(filled);
  const somethingLeft = !isZeroFrom(remaining, floorToMinute(now));
  if (!somethingLeft) return somethingFilled ? 'filled' : 'cancelled';
  if (!resting) return somethingFilled ? 'filled' : 'cancelled';
  return somethingFilled ? 'partially_filled' : 'standing';
}

export function isResting(status: OrderStatus): boolean {
  return status === 'standing' || status === 'partially_filled';
}
