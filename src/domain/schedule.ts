// Schedules: node counts over time, as step functions. A schedule is zero before its first step;
// each step holds its count until the next step, and the last holds it forever. Every operation
// walks the steps once, so its cost grows linearly with their number.
//
// The API speaks in rectangles (`[start_at, end_at)` with a `node_count`, spec §9.1); this module
// reads them into steps and renders steps back as canonical rectangles.

import { type Failure, type FailureDetail, fail } from './failures.js';
import { nodeCountMax, scheduleEntriesMax, scheduleTimeMax } from './limits.js';

/** From `at` (Unix seconds) on, `count` nodes, until the next step. */
export interface Step {
  readonly at: number;
  readonly count: number;
}

/**
 * Canonical steps: strictly increasing `at`, no two neighbours with the same count, and no
 * leading zero (zero is implied before the first step). The empty schedule is zero everywhere.
 */
export type Schedule = readonly Step[];

export const emptySchedule: Schedule = [];

/** Seconds per minute: schedules change only on minute boundaries. */
export const minuteSeconds = 60;

export function floorToMinute(time: number): number {
  return Math.floor(time / minuteSeconds) * minuteSeconds;
}

export function isMinuteAligned(time: number): boolean {
  return time % minuteSeconds === 0;
}

/** Builds the canonical schedule of steps given in time order; a later step at the same time wins. */
export function normalize(steps: readonly Step[]): Schedule {
  const result: Step[] = [];
  for (const step of steps) {
    const last = result[result.length - 1];
    if (last !== undefined && step.at < last.at) throw new Error('normalize: steps out of order');
    if (last !== undefined && last.at === step.at) result.pop();
    const previousCount = result[result.length - 1]?.count ?? 0;
    if (step.count !== previousCount) result.push(step);
  }
  return result;
}

export function valueAt(schedule: Schedule, time: number): number {
  let low = 0;
  let high = schedule.length;
  // The number of steps at or before `time`.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (schedule[middle]!.at <= time) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? 0 : schedule[low - 1]!.count;
}

/** Pointwise combination of two schedules. */
export function combine(a: Schedule, b: Schedule, operation: (left: number, right: number) => number): Schedule {
  const steps: Step[] = [];
  let i = 0;
  let j = 0;
  let left = 0;
  let right = 0;
  while (i < a.length || j < b.length) {
    const at = Math.min(a[i]?.at ?? Infinity, b[j]?.at ?? Infinity);
    if (a[i]?.at === at) left = a[i++]!.count;
    if (b[j]?.at === at) right = b[j++]!.count;
    steps.push({ at, count: operation(left, right) });
  }
  return normalize(steps);
}

export function add(a: Schedule, b: Schedule): Schedule {
  return combine(a, b, (left, right) => left + right);
}

export function subtract(a: Schedule, b: Schedule): Schedule {
  return combine(a, b, (left, right) => left - right);
}

export function negate(schedule: Schedule): Schedule {
  return schedule.map((step) => ({ at: step.at, count: -step.count }));
}

/** The schedule within `[from, to)` and zero outside it; `to` null means no end. */
export function clip(schedule: Schedule, from: number, to: number | null): Schedule {
  const steps: Step[] = [{ at: from, count: valueAt(schedule, from) }];
  for (const step of schedule) {
    if (step.at <= from) continue;
    if (to !== null && step.at >= to) break;
    steps.push(step);
  }
  if (to !== null) steps.push({ at: to, count: 0 });
  return normalize(steps);
}

/** The first time at or after `from` when the schedule is below `level`, or null if never. */
export function firstBelow(schedule: Schedule, level: number, from: number): number | null {
  if (valueAt(schedule, from) < level) return from;
  for (const step of schedule) {
    if (step.at > from && step.count < level) return step.at;
  }
  return null;
}

/** The smallest count over `[from, to)`; `to` null means forever. */
export function minimumOver(schedule: Schedule, from: number, to: number | null): number {
  let minimum = valueAt(schedule, from);
  for (const step of schedule) {
    if (step.at <= from) continue;
    if (to !== null && step.at >= to) break;
    minimum = Math.min(minimum, step.count);
  }
  return minimum;
}

/** The first time after `time` when the schedule changes, or null if it never does. */
export function nextBoundary(schedule: Schedule, time: number): number | null {
  for (const step of schedule) {
    if (step.at > time) return step.at;
  }
  return null;
}

/** Whether the schedule is zero everywhere at and after `from`. */
export function isZeroFrom(schedule: Schedule, from: number): boolean {
  return valueAt(schedule, from) === 0 && nextBoundary(schedule, from) === null;
}

/** A rectangle as the API writes it. */
export interface Rectangle {
  readonly start_at: number;
  readonly end_at: number | null;
  readonly node_count: number;
}

/** A rectangle as a request may give it: `end_at` may be omitted. */
export interface RectangleInput {
  readonly start_at: number;
  readonly end_at?: number | null | undefined;
  readonly node_count: number;
}

/**
 * Renders canonical rectangles from `from` on (or from the first step when `from` is null):
 * adjacent equal counts merged, gaps as explicit zero rectangles, and a final rectangle with
 * `end_at: null`. A schedule that is zero throughout renders as `[]`.
 */
export function toRectangles(schedule: Schedule, from: number | null = null): Rectangle[] {
  const visible = from === null ? schedule : clip(schedule, from, null);
  if (visible.length === 0) return [];
  const steps = from === null || visible[0]!.at === from ? visible : [{ at: from, count: 0 }, ...visible];
  return steps.map((step, index) => ({ start_at: step.at, end_at: steps[index + 1]?.at ?? null, node_count: step.count }));
}

/**
 * Reads rectangles from a request (spec §9.1): times 60-second aligned, counts non-negative,
 * ordered and non-overlapping, `end_at` omitted only where the next `start_at` gives it, null
 * only on the last entry. An omitted `end_at` on the last entry means no end, like null. Gaps
 * are zero. Problems are reported per entry, under `field`.
 */
export function parseRectangles(entries: readonly RectangleInput[], field: string): Schedule | Failure {
  const details: FailureDetail[] = [];
  const problem = (index: number | null, part: string | null, code: string, message: string) => {
    const at = index === null ? field : `${field}.${index}${part === null ? '' : `.${part}`}`;
    details.push({ field: at, code, message: `${at}: ${message}` });
  };
  if (entries.length === 0) problem(null, null, 'empty', 'give at least one entry');
  if (entries.length > scheduleEntriesMax) problem(null, null, 'too_many', `give at most ${scheduleEntriesMax} entries`);

  const steps: Step[] = [];
  let previousEnd: number | null = null;
  let previousStart: number | null = null;
  entries.forEach((entry, index) => {
    const isLast = index === entries.length - 1;
    const end = entry.end_at === undefined ? (isLast ? null : entries[index + 1]!.start_at) : entry.end_at;
    const start = entry.start_at;
    if (!isMinuteAligned(start)) problem(index, 'start_at', 'misaligned', `${start} is not a multiple of 60 seconds`);
    if (start < 0 || start > scheduleTimeMax) problem(index, 'start_at', 'out_of_range', `${start} is outside 0..${scheduleTimeMax}`);
    if (end !== null && !isMinuteAligned(end)) problem(index, 'end_at', 'misaligned', `${end} is not a multiple of 60 seconds`);
    if (end === null && !isLast) problem(index, 'end_at', 'unbounded_not_last', 'only the last entry may have end_at null');
    if (end !== null && end <= start) problem(index, 'end_at', 'invalid_range', `end_at ${end} must be after start_at ${start}`);
    if (end !== null && end > scheduleTimeMax) problem(index, 'end_at', 'out_of_range', `${end} is beyond ${scheduleTimeMax}`);
    if (entry.node_count < 0) problem(index, 'node_count', 'negative', 'node_count must not be negative');
    if (entry.node_count > nodeCountMax) problem(index, 'node_count', 'out_of_range', `node_count must be at most ${nodeCountMax}`);
    if (previousStart !== null && start < previousStart) problem(index, 'start_at', 'unsorted', 'entries must be in order of start_at');
    else if (previousEnd !== null && start < previousEnd) problem(index, 'start_at', 'overlapping', `starts before the previous entry ends (${previousEnd})`);
    previousStart = start;
    previousEnd = end ?? Infinity;
    steps.push({ at: start, count: entry.node_count });
    if (end !== null) steps.push({ at: end, count: 0 });
  });
  if (details.length > 0) return fail('invalid_request', details.length === 1 ? details[0]!.message : `${field} is invalid: ${details.map((detail) => detail.message).join('; ')}`, details);
  return normalize(steps);
}
