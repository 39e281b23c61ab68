// v0 quotes: the price of a block of nodes for a window chosen within what the request allows
// (a start between `min_start_date` and `max_start_date`, a duration between `min_duration` and
// `max_duration`). The windows tried are the earliest start and each later start on the hour, and
// for each, every end on the hour the durations allow (v1 nodes end on the hour), or the longest
// whole-minute duration when no hour falls within them. The app prices each window on the book,
// as an order preview does, and quotes the one cheapest per node-hour.

import { type Failure, invalidField } from '../kernel/failures.js';
import { microsPerCent } from '../kernel/money.js';
import { quoteNodesMax, quoteWindowsMax } from '../kernel/limits.js';
import { floorToMinute, hourSeconds, minuteSeconds } from '../kernel/schedule.js';
import { parseNowOrIso } from './times.js';

export type QuoteSide = 'buy' | 'sell';

export interface QuoteQuery {
  readonly side: string;
  readonly quantity: number;
  readonly min_start_date?: string | undefined;
  readonly max_start_date?: string | undefined;
  readonly duration?: number | undefined;
  readonly min_duration?: number | undefined;
  readonly max_duration?: number | undefined;
}

export interface QuoteRequest {
  readonly side: QuoteSide;
  readonly nodeCount: number;
  readonly minStartAt: number;
  readonly maxStartAt: number;
  readonly minDurationSeconds: number;
  readonly maxDurationSeconds: number;
}

export interface QuoteWindow {
  readonly startAt: number;
  readonly endAt: number;
}

function ceilToMinute(time: number): number {
  return Math.ceil(time / minuteSeconds) * minuteSeconds;
}

/** Checks a quote's query. A start of NOW, or one within the current minute, is the current minute; later starts are rounded up to the minute. */
export function parseQuoteQuery(query: QuoteQuery, now: number): QuoteRequest | Failure {
  if (query.side !== 'buy' && query.side !== 'sell') return invalidField('side', 'invalid_side', `side is buy or sell, not "${query.side}"`);
  if (!Number.isInteger(query.quantity) || query.quantity < 1 || query.quantity > quoteNodesMax) return invalidField('quantity', 'out_of_range', `quantity is a number of nodes from 1 to ${quoteNodesMax}`);
  const currentMinute = floorToMinute(now);
  const startOf = (text: string | undefined, field: string): number | Failure => {
    if (text === undefined) return currentMinute;
    const at = parseNowOrIso(text, field, now);
    if (typeof at !== 'number') return at;
    if (at < currentMinute) return invalidField(field, 'in_the_past', `${field} is before the current minute`);
    return Math.max(currentMinute, at < currentMinute + minuteSeconds ? currentMinute : ceilToMinute(at));
  };
  const minStartAt = startOf(query.min_start_date, 'min_start_date');
  if (typeof minStartAt !== 'number') return minStartAt;
  const maxStartAt = query.max_start_date === undefined ? minStartAt : startOf(query.max_start_date, 'max_start_date');
  if (typeof maxStartAt !== 'number') return maxStartAt;
  if (maxStartAt < minStartAt) return invalidField('max_start_date', 'invalid_range', 'max_start_date is before min_start_date');
  if (query.duration !== undefined && (query.min_duration !== undefined || query.max_duration !== undefined)) {
    return invalidField('duration', 'conflicting_parameters', 'Give duration, or min_duration and max_duration, not both');
  }
  const minDuration = query.duration ?? query.min_duration ?? query.max_duration;
  const maxDuration = query.duration ?? query.max_duration ?? query.min_duration;
  if (minDuration === undefined || maxDuration === undefined) return invalidField('duration', 'missing', 'Give duration, or min_duration and max_duration, in seconds');
  for (const [field, value] of [['min_duration', minDuration], ['max_duration', maxDuration]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) return invalidField(query.duration === undefined ? field : 'duration', 'out_of_range', `${field} is a positive whole number of seconds`);
  }
  if (maxDuration < minDuration) return invalidField('max_duration', 'invalid_range', 'max_duration is less than min_duration');
  if (maxDuration < minuteSeconds) return invalidField('max_duration', 'out_of_range', 'The longest duration must be at least a minute');
  return { side: query.side, nodeCount: query.quantity, minStartAt, maxStartAt, minDurationSeconds: minDuration, maxDurationSeconds: maxDuration };
}

/** The windows a quote tries, earliest start and shortest first, at most quoteWindowsMax of them. */
export function quoteWindows(request: QuoteRequest): QuoteWindow[] {
  const starts = [request.minStartAt];
  for (let at = Math.floor(request.minStartAt / hourSeconds) * hourSeconds + hourSeconds; at <= request.maxStartAt && starts.length < quoteWindowsMax; at += hourSeconds) starts.push(at);
  const windows: QuoteWindow[] = [];
  for (const startAt of starts) {
    const earliestEnd = startAt + request.minDurationSeconds;
    const latestEnd = startAt + request.maxDurationSeconds;
    let found = false;
    for (let endAt = Math.ceil(earliestEnd / hourSeconds) * hourSeconds; endAt <= latestEnd && windows.length < quoteWindowsMax; endAt += hourSeconds) {
      if (endAt > startAt) {
        windows.push({ startAt, endAt });
        found = true;
      }
    }
    const longest = floorToMinute(latestEnd);
    if (!found && longest > startAt && windows.length < quoteWindowsMax) windows.push({ startAt, endAt: longest });
    if (windows.length >= quoteWindowsMax) break;
  }
  return windows;
}

/** Whether one priced window is a better quote than another: cheaper per node-hour for a buy (dearer for a sell), then earlier, then longer. */
export function betterQuote(side: QuoteSide, a: { readonly window: QuoteWindow; readonly totalMicros: number }, b: { readonly window: QuoteWindow; readonly totalMicros: number }): boolean {
  // Compare total / duration without division: both products fit a bigint.
  const rateA = BigInt(a.totalMicros) * BigInt(b.window.endAt - b.window.startAt);
  const rateB = BigInt(b.totalMicros) * BigInt(a.window.endAt - a.window.startAt);
  if (rateA !== rateB) return side === 'buy' ? rateA < rateB : rateA > rateB;
  if (a.window.startAt !== b.window.startAt) return a.window.startAt < b.window.startAt;
  return a.window.endAt > b.window.endAt;
}

/** A quote's total in whole cents: rounded up for a buy (never less than it costs), down for a sell. */
export function quotePriceCents(side: QuoteSide, totalMicros: number): number {
  return side === 'buy' ? Math.ceil(totalMicros / microsPerCent) : Math.floor(totalMicros / microsPerCent);
}
