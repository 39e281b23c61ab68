// Procurements: keep a pool's allocation of one SKU at a target over a window ahead, buying what
// is missing and selling what is surplus. The window holds exactly `managedWindowMinutes`
// complete minutes, beginning with the next minute (SF Compute's reference: "The window contains
// this many complete minutes, beginning with the next minute"), and nothing outside it is
// bought or sold. A run orders, for each stretch of the window where the pool holds the same
// count, the difference from the target over exactly that stretch; since the window moves on
// every minute, the procurement runs again when the first minute it would act on enters it.

import { isoMinute } from '../allocation/ledger.js';
import { formatDollars } from '../kernel/money.js';
import { floorToMinute, hourSeconds, minimumOver, minuteSeconds, nextBoundary, type Schedule, valueAt } from '../kernel/schedule.js';

export interface ProcurementWindow {
  readonly startAt: number;
  readonly endAt: number;
}

export interface PlannedOrder extends ProcurementWindow {
  readonly side: 'buy' | 'sell';
  readonly nodes: number;
}

/** The window a procurement manages at `now`: `managedWindowMinutes` whole minutes from the next minute. */
export function procurementWindow(now: number, managedWindowMinutes: number): ProcurementWindow {
  const startAt = floorToMinute(now) + minuteSeconds;
  return { startAt, endAt: startAt + managedWindowMinutes * minuteSeconds };
}

/**
 * The part of the window a procurement acts on: all of it, or from `startsAt` on when it begins
 * later (an autoreserved v1 node's `start_at`); null when the window ends before it begins.
 */
export function managedStretch(now: number, managedWindowMinutes: number, startsAt: number | null): ProcurementWindow | null {
  const window = procurementWindow(now, managedWindowMinutes);
  const startAt = startsAt === null ? window.startAt : Math.max(window.startAt, floorToMinute(startsAt));
  return startAt < window.endAt ? { startAt, endAt: window.endAt } : null;
}

/** What to buy or sell so that the pool holds the target at every minute of the window from `startsAt`, and nothing else. */
export function planProcurement(target: number, allocation: Schedule, now: number, managedWindowMinutes: number, startsAt: number | null = null): PlannedOrder[] {
  const window = managedStretch(now, managedWindowMinutes, startsAt);
  if (window === null) return [];
  const orders: PlannedOrder[] = [];
  let stretchStart = window.startAt;
  let difference = target - valueAt(allocation, stretchStart);
  const close = (endAt: number) => {
    if (difference > 0) orders.push({ startAt: stretchStart, endAt, side: 'buy', nodes: difference });
    else if (difference < 0) orders.push({ startAt: stretchStart, endAt, side: 'sell', nodes: -difference });
  };
  for (let at = nextBoundary(allocation, stretchStart); at !== null && at < window.endAt; at = nextBoundary(allocation, at)) {
    const next = target - valueAt(allocation, at);
    if (next === difference) continue;
    close(at);
    stretchStart = at;
    difference = next;
  }
  close(window.endAt);
  return orders;
}

/**
 * When a procurement that ran at `at` runs next, given what its pool holds after the run: when
 * the first minute past the window that is off the target enters the window, and no later than
 * the next hour (when its status is brought up to date). Changes of the target or of the pool's
 * allocation run it sooner (app/market/procurements.ts).
 */
export function nextRunAfter(at: number, target: number, allocation: Schedule, managedWindowMinutes: number, startsAt: number | null = null): number {
  const nextMinute = floorToMinute(at) + minuteSeconds;
  const nextHour = Math.floor(at / hourSeconds) * hourSeconds + hourSeconds;
  const windowEnd = procurementWindow(at, managedWindowMinutes).endAt;
  // Nothing before `startsAt` is managed: the first minute to look at is the later of the two.
  const endAt = startsAt === null ? windowEnd : Math.max(windowEnd, floorToMinute(startsAt));
  let offTarget: number | null = valueAt(allocation, endAt) === target ? null : endAt;
  for (let boundary = nextBoundary(allocation, endAt); offTarget === null && boundary !== null; boundary = nextBoundary(allocation, boundary)) {
    if (valueAt(allocation, boundary) !== target) offTarget = boundary;
  }
  // Minute `offTarget` enters the window at the run whose next minute is `managedWindowMinutes` before it.
  const entersAt = offTarget === null ? nextHour : floorToMinute(offTarget) - managedWindowMinutes * minuteSeconds;
  return Math.min(nextHour, Math.max(nextMinute, entersAt));
}

/** A resting order on the other side of the book that a procurement's orders might meet. */
export interface OpposingOrder {
  readonly startAt: number;
  readonly endAt: number;
}

export interface CoalescingInput {
  /** The run just done, which placed its whole plan, traded nothing and met no problem. */
  readonly at: number;
  /** The end of the clock's advance: no run is skipped past it. */
  readonly upTo: number;
  readonly target: number;
  /** What the pool holds after the run (the same as before it, since it traded nothing). */
  readonly held: Schedule;
  readonly managedWindowMinutes: number;
  readonly startsAt: number | null;
  /** The resting sells its buys could meet (at or below its max buy price, not its own). */
  readonly opposing: readonly OpposingOrder[];
}

/**
 * Whether the run at `at` (minute-by-minute model) would do nothing but the run at `base` moved on
 * by whole minutes: the same orders, as many nodes over as long, shifted — so the same money
 * held — all of them buys, none overlapping an order that could meet it (so nothing trades).
 */
function movesOnOnly(input: CoalescingInput, base: readonly PlannedOrder[], baseAt: number, at: number): boolean {
  const plan = planProcurement(input.target, input.held, at, input.managedWindowMinutes, input.startsAt);
  const shift = floorToMinute(at) - floorToMinute(baseAt);
  if (plan.length !== base.length) return false;
  for (const [index, order] of plan.entries()) {
    const was = base[index]!;
    if (order.side !== 'buy' || order.side !== was.side || order.nodes !== was.nodes || order.startAt !== was.startAt + shift || order.endAt !== was.endAt + shift) return false;
    if (input.opposing.some((other) => other.startAt < order.endAt && other.endAt > order.startAt)) return false;
  }
  return true;
}

/**
 * When a procurement that just ran at `at` must run again during a clock advance to `upTo`, so
 * that the state it leaves is exactly what running it minute by minute (at every
 * `nextRunAfter`) would leave. The runs of that model between `at` and the answer would each
 * cancel the last one's orders and place the same orders a minute on (`movesOnOnly`): they
 * trade nothing, hold the same money, and the last of them leaves what the run at the answer
 * leaves, since a run begins by cancelling its own orders. So the answer is the first model run
 * that might do anything else (an *event*: its window reaching a boundary of the pool's
 * allocation, of `startsAt` or of a resting sell it could meet), or the last model run at or
 * before `upTo`, or the last before its own orders end (they expire at their end, and the money
 * they hold must stay held) — always a run of the model, never later than it when the model's
 * next run is past `upTo`. Changes to the book or the pool made meanwhile by anything else bring
 * the procurement back to the model first (app/market/procurements.ts).
 */
export function coalescedNextRun(input: CoalescingInput): number {
  const { at, upTo, target, held, managedWindowMinutes, startsAt } = input;
  const next = (from: number) => nextRunAfter(from, target, held, managedWindowMinutes, startsAt);
  const first = next(at);
  const base = planProcurement(target, held, at, managedWindowMinutes, startsAt);
  if (first > upTo || !movesOnOnly(input, base, at, at)) return first;
  const ownEnd = base.reduce((earliest, order) => Math.min(earliest, order.endAt), Number.POSITIVE_INFINITY);
  let last = at;
  for (let run = first; run <= upTo && run <= ownEnd; run = next(run)) {
    if (!movesOnOnly(input, base, at, run)) return run;
    last = run;
  }
  return last === at ? first : last;
}

/** The last run of the minute-by-minute model at or before `upTo`, from its run due at `due` (null when `due` is after `upTo`). */
export function lastModelRunThrough(due: number, upTo: number, target: number, held: Schedule, managedWindowMinutes: number, startsAt: number | null): number | null {
  if (due > upTo) return null;
  let last = due;
  for (let run = nextRunAfter(due, target, held, managedWindowMinutes, startsAt); run <= upTo; run = nextRunAfter(run, target, held, managedWindowMinutes, startsAt)) last = run;
  return last;
}

/** The first run of the minute-by-minute model after `now`, from its run due at `due`. */
export function nextModelRunAfter(due: number, now: number, target: number, held: Schedule, managedWindowMinutes: number, startsAt: number | null): number {
  let run = due;
  while (run <= now) run = nextRunAfter(run, target, held, managedWindowMinutes, startsAt);
  return run;
}

/** What a procurement shows of its last run. */
export interface ProcurementStatus {
  readonly state: 'info' | 'warning' | 'error';
  readonly message: string;
}

/**
 * What a run makes of an order it could not place: out of money (`insufficient_balance`) is an
 * error, and the run places no more buys; any other refusal is a warning. The run shows the last.
 */
export function placementProblem(refusal: { readonly failure: string; readonly message: string }): ProcurementStatus & { readonly state: 'warning' | 'error' } {
  return { state: refusal.failure === 'insufficient_balance' ? 'error' : 'warning', message: refusal.message };
}

/** Whether a run still places a planned order after `problem`: no buys once it is out of money. */
export function placesAfter(problem: ProcurementStatus | null, side: 'buy' | 'sell'): boolean {
  return !(side === 'buy' && problem?.state === 'error');
}

/**
 * The status a run at `at` leaves: its problem if an order could not be placed; otherwise when it
 * begins (nothing is bought or sold before), that it holds the target through the window, or how
 * far short it is, a standing buy waiting for sellers at or below the max price. `held` is the
 * pool's allocation after the run.
 */
export function runStatus(input: {
  readonly problem: ProcurementStatus | null;
  readonly at: number;
  readonly target: number;
  readonly held: Schedule;
  readonly managedWindowMinutes: number;
  readonly startsAt: number | null;
  readonly maxBuyMicros: number;
}): ProcurementStatus {
  if (input.problem !== null) return input.problem;
  const windowEnd = procurementWindow(input.at, input.managedWindowMinutes).endAt;
  const stretch = managedStretch(input.at, input.managedWindowMinutes, input.startsAt);
  if (stretch === null) return { state: 'info', message: `Begins at ${isoMinute(input.startsAt!)}: nothing is bought or sold before.` };
  const lowest = minimumOver(input.held, stretch.startAt, stretch.endAt);
  if (lowest >= input.target) return { state: 'info', message: `Holding the target of ${input.target} node(s) through ${isoMinute(windowEnd)}.` };
  return {
    state: 'warning',
    message: `Short of the target of ${input.target} node(s): as few as ${lowest} held before ${isoMinute(windowEnd)}, with no sellers at or below ${formatDollars(input.maxBuyMicros)} dollars per node-hour; a standing buy waits for them.`,
  };
}
