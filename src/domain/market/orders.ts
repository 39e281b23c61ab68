// The rules of orders: what a request may ask, its window, whether it may be cancelled, and its
// average fill price.

import { fail, type Failure, invalidField } from '../kernel/failures.js';
import { floorToMinute, hourSeconds, isMinuteAligned, normalize, type Schedule, type RectangleInput, totalNodeSeconds } from '../kernel/schedule.js';
import { nodeCountMax } from '../kernel/limits.js';

// The statuses and their transitions are the state machine's (order-status.ts).
import { isResting, type OrderStatus } from './order-status.js';
export { isResting, type OrderStatus, statusAfterMatch } from './order-status.js';

export interface OrderWindow {
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
}

/** Field names to report problems under: an order's rectangle, or an order preview's fields. */
export interface OrderWindowFields {
  readonly start: string;
  readonly end: string;
  readonly nodeCount: string;
}

/** An order's window: minute-aligned, end after start, from the current minute on, a node count in range. */
export function checkOrderWindow(window: OrderWindow, fields: OrderWindowFields, now: number): OrderWindow | Failure {
  if (!isMinuteAligned(window.startAt)) return invalidField(fields.start, 'misaligned', `${window.startAt} is not a multiple of 60 seconds`);
  if (!isMinuteAligned(window.endAt)) return invalidField(fields.end, 'misaligned', `${window.endAt} is not a multiple of 60 seconds`);
  if (window.endAt <= window.startAt) return invalidField(fields.end, 'invalid_range', `the window must end after it starts (${window.startAt})`);
  if (!Number.isInteger(window.nodeCount) || window.nodeCount < 1 || window.nodeCount > nodeCountMax) return invalidField(fields.nodeCount, 'out_of_range', `node_count must be from 1 to ${nodeCountMax}`);
  const currentMinute = floorToMinute(now);
  if (window.startAt < currentMinute) return invalidField(fields.start, 'in_the_past', `start_at ${window.startAt} is before the current minute ${currentMinute}`);
  return window;
}

/** An order's `allocation_schedule_delta`: exactly one range, both ends given, from the current minute on. */
export function parseOrderWindow(entries: readonly RectangleInput[], field: string, now: number): OrderWindow | Failure {
  if (entries.length !== 1) return invalidField(field, 'single_range', `${field} must be a single range with start_at and end_at`);
  const entry = entries[0]!;
  const at = (part: string) => `${field}.0.${part}`;
  if (entry.end_at === undefined || entry.end_at === null) return invalidField(at('end_at'), 'missing', 'an order\'s range needs an end_at');
  return checkOrderWindow({ startAt: entry.start_at, endAt: entry.end_at, nodeCount: entry.node_count }, { start: at('start_at'), end: at('end_at'), nodeCount: at('node_count') }, now);
}

/** Why an order cannot be cancelled, or null: only an order resting on the book can be. */
export function cancellationRefusal(order: { readonly id: string; readonly status: OrderStatus }): Failure | null {
  return isResting(order.status) ? null : fail('order_not_cancellable', `Order ${order.id} is ${order.status}: it cannot be cancelled`);
}

export function windowSchedule(window: OrderWindow): Schedule {
  return normalize([{ at: window.startAt, count: window.nodeCount }, { at: window.endAt, count: 0 }]);
}

/** The average price of an order's fills per node-hour, weighted by node-seconds, to the micro-dollar; null before any fill. */
export function averageFillPrice(fills: readonly { readonly schedule: Schedule; readonly totalMicros: number }[]): number | null {
  const nodeSeconds = fills.reduce((sum, fill) => sum + totalNodeSeconds(fill.schedule), 0);
  if (nodeSeconds === 0) return null;
  const total = fills.reduce((sum, fill) => sum + fill.totalMicros, 0);
  return Math.round((total * hourSeconds) / nodeSeconds);
}
