// The order book as the market shows it: resting orders summed into price levels per SKU and
// rate, and grouped into delivery windows. Participants and single orders are never exposed.

import { type Failure, invalidField } from '../kernel/failures.js';
import { type Side, type Trade } from './matching.js';
import { exactCostOf } from '../kernel/money.js';
import { clip, isEmpty, type Schedule, sumOf, totalNodeSeconds } from '../kernel/schedule.js';

/** What the book views need of a resting order. */
export interface BookOrder {
  readonly side: Side;
  readonly instanceSkuId: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly limitMicros: number;
  readonly remaining: Schedule;
}

/** Resting nodes of one SKU at one rate, summed over orders. */
export interface PriceLevel {
  readonly instanceSkuId: string;
  readonly priceMicros: number;
  readonly schedule: Schedule;
}

/** Bids highest first, asks lowest first; at one price, the lowest SKU id first. */
function compareLevels(side: Side): (a: PriceLevel, b: PriceLevel) => number {
  return (a, b) => (side === 'buy' ? b.priceMicros - a.priceMicros : a.priceMicros - b.priceMicros) || (a.instanceSkuId < b.instanceSkuId ? -1 : a.instanceSkuId > b.instanceSkuId ? 1 : 0);
}

/**
 * The price levels of one side, from what its orders still offer within `[from, to)`, best first.
 * Orders with nothing left in the window add nothing.
 */
export function priceLevels(orders: readonly BookOrder[], side: Side, from: number, to: number): PriceLevel[] {
  const groups = new Map<string, { instanceSkuId: string; priceMicros: number; schedules: Schedule[] }>();
  for (const order of orders) {
    if (order.side !== side) continue;
    const offered = clip(order.remaining, from, to);
    if (isEmpty(offered)) continue;
    const key = `${order.instanceSkuId} ${order.limitMicros}`;
    const group = groups.get(key) ?? { instanceSkuId: order.instanceSkuId, priceMicros: order.limitMicros, schedules: [] };
    group.schedules.push(offered);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({ instanceSkuId: group.instanceSkuId, priceMicros: group.priceMicros, schedule: sumOf(group.schedules) })).sort(compareLevels(side));
}

/** A SKU and delivery window with resting orders: the window is an order's own start and end. */
export interface BookWindow {
  readonly instanceSkuId: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly bidCount: number;
  readonly askCount: number;
  readonly bestBid: PriceLevel | null;
  readonly bestAsk: PriceLevel | null;
}

export interface WindowKey {
  readonly startAt: number;
  readonly endAt: number;
  readonly instanceSkuId: string;
}

export function compareWindowKeys(a: WindowKey, b: WindowKey): number {
  return a.startAt - b.startAt || a.endAt - b.endAt || (a.instanceSkuId < b.instanceSkuId ? -1 : a.instanceSkuId > b.instanceSkuId ? 1 : 0);
}

/** The windows of resting orders, by (start, end, SKU) ascending, with each side's best level. */
export function bookWindows(orders: readonly BookOrder[]): BookWindow[] {
  const groups = new Map<string, { key: WindowKey; orders: BookOrder[] }>();
  for (const order of orders) {
    const id = `${order.startAt} ${order.endAt} ${order.instanceSkuId}`;
    const group = groups.get(id) ?? { key: { startAt: order.startAt, endAt: order.endAt, instanceSkuId: order.instanceSkuId }, orders: [] };
    group.orders.push(order);
    groups.set(id, group);
  }
  return [...groups.values()]
    .map(({ key, orders: inWindow }) => ({
      ...key,
      bidCount: inWindow.filter((order) => order.side === 'buy').length,
      askCount: inWindow.filter((order) => order.side === 'sell').length,
      bestBid: priceLevels(inWindow, 'buy', key.startAt, key.endAt)[0] ?? null,
      bestAsk: priceLevels(inWindow, 'sell', key.startAt, key.endAt)[0] ?? null,
    }))
    .sort(compareWindowKeys);
}

const windowsCursorPrefix = 'mwin_';

/** A windows cursor names the last window of a page by its key. */
export function formatWindowsCursor(key: WindowKey): string {
  return `${windowsCursorPrefix}${key.startAt.toString(36)}_${key.endAt.toString(36)}_${key.instanceSkuId}`;
}

export function parseWindowsCursor(text: string, field: string): WindowKey | Failure {
  const parts = text.startsWith(windowsCursorPrefix) ? text.slice(windowsCursorPrefix.length).split('_') : [];
  const [start, end, ...sku] = parts;
  if (parts.length < 3 || !/^[0-9a-z]{1,11}$/.test(start!) || !/^[0-9a-z]{1,11}$/.test(end!)) {
    return invalidField(field, 'invalid_cursor', `"${text}" is not a cursor of this list (expected mwin_…)`);
  }
  return { startAt: Number.parseInt(start!, 36), endAt: Number.parseInt(end!, 36), instanceSkuId: sku.join('_') };
}

/** A time range a book read asks for: minute-aligned, end after start. */
export function checkRange(startAt: number, endAt: number, fields: { readonly start: string; readonly end: string }): Failure | null {
  if (startAt % 60 !== 0) return invalidField(fields.start, 'misaligned', `${fields.start} ${startAt} is not a multiple of 60 seconds`);
  if (endAt % 60 !== 0) return invalidField(fields.end, 'misaligned', `${fields.end} ${endAt} is not a multiple of 60 seconds`);
  if (endAt <= startAt) return invalidField(fields.end, 'invalid_range', `${fields.end} must be after ${fields.start}`);
  return null;
}

/** Clamps a requested count into `[min, max]`, as the order book's `limit` and `depth` are. */
export function clampCount(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(value)));
}

/** What a dry-run match would cost (a buy) or earn (a sell, before fees), and the worst price it reaches. */
export interface Estimate {
  readonly totalMicros: number;
  /** The highest price a buy pays, or the lowest a sell gets: a limit at it fills the same trades. */
  readonly limitMicros: number;
}

export function estimateOf(trades: readonly Trade[], side: Side): Estimate | null {
  if (trades.length === 0) return null;
  const prices = trades.map((trade) => trade.priceMicrosPerHour);
  const totalMicros = trades.reduce((sum, trade) => sum + exactCostOf(trade.priceMicrosPerHour, totalNodeSeconds(trade.schedule)), 0);
  return { totalMicros, limitMicros: side === 'buy' ? Math.max(...prices) : Math.min(...prices) };
}
