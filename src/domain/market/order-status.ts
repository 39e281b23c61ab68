// An order's status as a state machine: the statuses, the events that move an order between
// them, and the transitions allowed. An order is `pending` only while it is being placed (inside
// the transaction that creates it); matching then leaves it resting on the book (`standing`,
// `partially_filled`) or done (`filled`, `cancelled`, `rejected`). Done is for good: no event
// moves an order out of a terminal status. The use cases ask `nextStatus` before every write of
// a status and assert what it answers.

import { floorToMinute, isEmpty, isZeroFrom, type Schedule } from '../kernel/schedule.js';

export type OrderStatus = 'pending' | 'filled' | 'partially_filled' | 'standing' | 'cancelled' | 'rejected';

export const orderStatuses: readonly OrderStatus[] = ['pending', 'standing', 'partially_filled', 'filled', 'cancelled', 'rejected'];

/** What may happen to an order. */
export type OrderEvent =
  /** It was matched (as the incoming order once placed, or as a resting order it traded): what it filled and still wants, and whether its remainder may rest. */
  | { readonly kind: 'matched'; readonly filled: Schedule; readonly remaining: Schedule; readonly resting: boolean; readonly now: number }
  /** Its owner (or its procurement) cancelled it, its end came, or its seller's pool no longer holds what it offered. */
  | { readonly kind: 'cancelled' }
  /** It was refused after it was written. */
  | { readonly kind: 'rejected' };

/** The statuses each status may move to; a status absent from its own list cannot repeat. */
const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['standing', 'partially_filled', 'filled', 'cancelled', 'rejected'],
  standing: ['partially_filled', 'filled', 'cancelled'],
  partially_filled: ['partially_filled', 'filled', 'cancelled'],
  filled: [],
  cancelled: [],
  rejected: [],
};

export function isTerminal(status: OrderStatus): boolean {
  return transitions[status].length === 0;
}

export function isResting(status: OrderStatus): boolean {
  return status === 'standing' || status === 'partially_filled';
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return transitions[from].includes(to);
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

/** The status an event moves an order to, or null when the event is not allowed in its status. */
export function nextStatus(status: OrderStatus, event: OrderEvent): OrderStatus | null {
  const to = event.kind === 'matched' ? statusAfterMatch(event.filled, event.remaining, event.resting, event.now) : event.kind;
  return canTransition(status, to) ? to : null;
}

/** `nextStatus` for events the caller knows are allowed: a refusal is a bug. */
export function requireNextStatus(orderId: string, status: OrderStatus, event: OrderEvent): OrderStatus {
  const to = nextStatus(status, event);
  if (to === null) throw new Error(`order ${orderId}: ${event.kind} is not allowed while ${status}`);
  return to;
}
