// Schedules: node counts over time, as step functions. A schedule is zero before its first step;
// each step holds its count until the next step, and the last holds it forever. Every operation
// walks the steps once, so its cost grows linearly with their number.
//
// The API speaks in rectangles (`[start_at, end_at)` with a `node_count`, spec §9.1); this module
// reads them into steps and renders steps back as canonical rectangles.

import { type DetailCode, type Failure, type FailureDetail, fail } from './failures.js';
import { nodeCountMax, scheduleEntriesMax, scheduleTimeMax } from './limits.js';

/** From `at` (Unix seconds) on, `count` nodes, until the next step. */
export interface Step {
  readonly at: number;
  readonly count: number;
}

/**
 * Canonical steps, held as two parallel typed arrays: strictly increasing `times`, no two
 * neighbours with the same count, and no leading zero (zero is implied before the first step).
 * The empty schedule is zero everywhere. Typed arrays keep the cost per step flat from ten steps
 * to hundreds of thousands, where arrays of objects would tax the garbage collector. Treat them
 * as read-only.
 */
export interface Schedule {
  readonly times: Float64Array;
  readonly counts: Float64Array;
}

export const emptySchedule: Schedule = { times: new Float64Array(0), counts: new Float64Array(0) };

/** Seconds per minute: schedules change only on minute boundaries. */
export const minuteSeconds = 60;
/** Seconds per hour: prices are per node-hour, and procurements and reserved nodes work in hours. */
export const hourSeconds = 3600;
export const daySeconds = 86_400;

export function floorToMinute(time: number): number {
  return Math.floor(time / minuteSeconds) * minuteSeconds;
}

export function isMinuteAligned(time: number): boolean {
  return time % minuteSeconds === 0;
}

/** Builds a canonical schedule while steps are appended in time order. */
class ScheduleBuilder {
  readonly times: number[] = [];
  readonly counts: number[] = [];

  /** From `at` on, `count`; a later step at the same time replaces an earlier one. */
  step(at: number, count: number): void {
    let last = this.times.length - 1;
    if (last >= 0 && at < this.times[last]!) throw new Error('schedule steps out of order');
    if (last >= 0 && this.times[last] === at) {
      this.times.pop();
      this.counts.pop();
      last--;
    }
    const previous = last >= 0 ? this.counts[last]! : 0;
    if (count !== previous) {
      this.times.push(at);
      this.counts.push(count);
    }
  }

  build(): Schedule {
    return { times: Float64Array.from(this.times), counts: Float64Array.from(this.counts) };
  }
}

/** The canonical schedule of steps given in time order; a later step at the same time wins. */
export function normalize(steps: readonly Step[]): Schedule {
  const builder = new ScheduleBuilder();
  for (const step of steps) builder.step(step.at, step.count);
  return builder.build();
}

/** The steps of a schedule, as objects. */
export function stepsOf(schedule: Schedule): Step[] {
  return Array.from(schedule.times, (at, index) => ({ at, count: schedule.counts[index]! }));
}

export function isEmpty(schedule: Schedule): boolean {
  return schedule.times.length === 0;
}

export function sameSchedule(a: Schedule, b: Schedule): boolean {
  if (a.times.length !== b.times.length) return false;
  for (let index = 0; index < a.times.length; index++) {
    if (a.times[index] !== b.times[index] || a.counts[index] !== b.counts[index]) return false;
  }
  return true;
}

/** The number of steps at or before `time`. */
function stepsUpTo(schedule: Schedule, time: number): number {
  let low = 0;
  let high = schedule.times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (schedule.times[middle]! <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function valueAt(schedule: Schedule, time: number): number {
  const count = stepsUpTo(schedule, time);
  return count === 0 ? 0 : schedule.counts[count - 1]!;
}

/**
 * `a + sign × b`, built canonical in one pass. The sign is a number rather than the operation a
 * callback: a call site serving several callbacks stops V8 inlining them, and any branch in the
 * loop costs a tenth of its time.
 */
function combine(a: Schedule, b: Schedule, sign: 1 | -1): Schedule {
  const capacity = a.times.length + b.times.length;
  const times = new Float64Array(capacity);
  const counts = new Float64Array(capacity);
  let length = 0;
  const aLength = a.times.length;
  const bLength = b.times.length;
  let i = 0;
  let j = 0;
  let left = 0;
  let right = 0;
  let current = 0;
  while (i < aLength || j < bLength) {
    const nextA = i < aLength ? a.times[i]! : Infinity;
    const nextB = j < bLength ? b.times[j]! : Infinity;
    const at = nextA < nextB ? nextA : nextB;
    if (nextA === at) left = a.counts[i++]!;
    if (nextB === at) right = b.counts[j++]!;
    const count = left + sign * right;
    if (count !== current) {
      times[length] = at;
      counts[length] = count;
      length++;
      current = count;
    }
  }
  return { times: times.subarray(0, length), counts: counts.subarray(0, length) };
}

export function add(a: Schedule, b: Schedule): Schedule {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return combine(a, b, 1);
}

/**
 * The pointwise sum of many schedules in one sweep over all their steps: n log n in the steps,
 * where adding them one by one would grow with the square of their number.
 */
export function sumOf(schedules: readonly Schedule[]): Schedule {
  const changes: { at: number; delta: number }[] = [];
  for (const schedule of schedules) {
    let previous = 0;
    for (let index = 0; index < schedule.times.length; index++) {
      changes.push({ at: schedule.times[index]!, delta: schedule.counts[index]! - previous });
      previous = schedule.counts[index]!;
    }
  }
  changes.sort((a, b) => a.at - b.at);
  const builder = new ScheduleBuilder();
  let total = 0;
  for (const change of changes) {
    total += change.delta;
    builder.step(change.at, total);
  }
  return builder.build();
}

export function subtract(a: Schedule, b: Schedule): Schedule {
  return combine(a, b, -1);
}

export function negate(schedule: Schedule): Schedule {
  return { times: schedule.times, counts: schedule.counts.map((count) => -count) };
}

/** The schedule within `[from, to)` and zero outside it; `to` null means no end. */
export function clip(schedule: Schedule, from: number, to: number | null): Schedule {
  const builder = new ScheduleBuilder();
  builder.step(from, valueAt(schedule, from));
  for (let index = stepsUpTo(schedule, from); index < schedule.times.length; index++) {
    const at = schedule.times[index]!;
    if (to !== null && at >= to) break;
    builder.step(at, schedule.counts[index]!);
  }
  if (to !== null) builder.step(to, 0);
  return builder.build();
}

/** The first time at or after `from` when the schedule is below `level`, or null if never. */
export function firstBelow(schedule: Schedule, level: number, from: number): number | null {
  if (valueAt(schedule, from) < level) return from;
  for (let index = stepsUpTo(schedule, from); index < schedule.times.length; index++) {
    if (schedule.counts[index]! < level) return schedule.times[index]!;
  }
  return null;
}

/** The smallest count over `[from, to)`; `to` null means forever. */
export function minimumOver(schedule: Schedule, from: number, to: number | null): number {
  let minimum = valueAt(schedule, from);
  for (let index = stepsUpTo(schedule, from); index < schedule.times.length; index++) {
    if (to !== null && schedule.times[index]! >= to) break;
    minimum = Math.min(minimum, schedule.counts[index]!);
  }
  return minimum;
}

/** The first time after `time` when the schedule changes, or null if it never does. */
export function nextBoundary(schedule: Schedule, time: number): number | null {
  const index = stepsUpTo(schedule, time);
  return index < schedule.times.length ? schedule.times[index]! : null;
}

/** Node-seconds over `[from, to)`. */
export function integral(schedule: Schedule, from: number, to: number): number {
  let total = 0;
  let at = from;
  let count = valueAt(schedule, from);
  for (let index = stepsUpTo(schedule, from); index < schedule.times.length && schedule.times[index]! < to; index++) {
    total += count * (schedule.times[index]! - at);
    at = schedule.times[index]!;
    count = schedule.counts[index]!;
  }
  return total + count * (to - at);
}

/** Node-seconds of a schedule that ends (zero tail); throws for an unbounded one. */
export function totalNodeSeconds(schedule: Schedule): number {
  if (isEmpty(schedule)) return 0;
  const last = schedule.times.length - 1;
  if (schedule.counts[last] !== 0) throw new Error('totalNodeSeconds of a schedule without end');
  return integral(schedule, schedule.times[0]!, schedule.times[last]!);
}

/** Each count below zero raised to zero. */
function positivePart(schedule: Schedule): Schedule {
  const builder = new ScheduleBuilder();
  for (let index = 0; index < schedule.times.length; index++) builder.step(schedule.times[index]!, Math.max(0, schedule.counts[index]!));
  return builder.build();
}

/** Pointwise minimum of two schedules: a − max(0, a − b), three passes that keep `combine` lean. */
export function minimum(a: Schedule, b: Schedule): Schedule {
  return subtract(a, positivePart(subtract(a, b)));
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
  const { times, counts } = schedule;
  const first = from === null ? 0 : stepsUpTo(schedule, from);
  const rectangles: Rectangle[] = [];
  let start = from ?? times[0];
  let count = from === null || first === 0 ? 0 : counts[first - 1]!;
  for (let index = first; index < times.length; index++) {
    const at = times[index]!;
    if (start !== undefined && at > start && (count !== 0 || rectangles.length > 0 || from !== null)) {
      rectangles.push({ start_at: start, end_at: at, node_count: count });
    }
    start = at;
    count = counts[index]!;
  }
  if (rectangles.length === 0 && count === 0) return [];
  rectangles.push({ start_at: start!, end_at: null, node_count: count });
  return rectangles;
}

/**
 * Reads rectangles from a request (spec §9.1): times 60-second aligned, counts non-negative,
 * ordered and non-overlapping, `end_at` omitted only where the next `start_at` gives it, null
 * only on the last entry. An omitted `end_at` on the last entry means no end, like null. Gaps
 * are zero. Problems are reported per entry, under `field`.
 */
export function parseRectangles(entries: readonly RectangleInput[], field: string): Schedule | Failure {
  const details: FailureDetail[] = [];
  const problem = (index: number | null, part: string | null, code: DetailCode, message: string) => {
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
