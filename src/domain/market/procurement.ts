// Procurements: keep a pool's allocation of one SKU at a target over a window ahead, buying what
// is missing and selling what is surplus. The window holds exactly `managedWindowMinutes`
// complete minutes, beginning with the next minute (SF Compute's reference: "The window contains
// this many complete minutes, beginning with the next minute"), and nothing outside it is
// bought or sold. A run orders, for each stretch of the window where the pool holds the same
// count, the difference from the target over exactly that stretch; since the window moves on
// every minute, the procurement runs again when the first minute it would act on enters it.

import { floorToMinute, hourSeconds, minuteSeconds, nextBoundary, type Schedule, valueAt } from '../kernel/schedule.js';

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
