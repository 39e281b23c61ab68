// The ledger of node-seconds. Allocation enters the system only by the operator's issuance and
// leaves it only by retirement; every other change moves a delta from one pool to another. So
// for each SKU, at every minute, the pools together hold exactly what was issued minus what was
// retired, and no pool may go below zero at any minute from now on.

import { assert } from '../kernel/assert.js';
import { type Failure, invalidField, isFailure } from '../kernel/failures.js';
import { add, firstBelow, floorToMinute, nextBoundary, parseRectangles, type RectangleInput, type Schedule, subtract, valueAt } from '../kernel/schedule.js';

export type EntryKind = 'issuance' | 'retirement' | 'transfer' | 'fill';

/** An entry of the ledger, before it has an id and a time: a delta out of one pool into another. */
export interface AllocationMove {
  readonly kind: EntryKind;
  readonly instanceSkuId: string;
  /** Null for an issuance: the allocation comes from outside the system. */
  readonly fromPoolId: string | null;
  /** Null for a retirement: the allocation leaves the system. */
  readonly toPoolId: string | null;
  readonly delta: Schedule;
  /** The transfer or contract the entry belongs to. */
  readonly referenceId: string | null;
}

/** Where a source pool falls short: the first minute, what it holds then, and what is asked. */
export interface Shortfall {
  readonly at: number;
  readonly holds: number;
  readonly needs: number;
}

/**
 * What a source would lack if `delta` left it: the first minute at or after `from` where its
 * balance minus the delta goes below zero, or null when it can afford the delta throughout.
 */
export function shortfall(balance: Schedule, delta: Schedule, from: number): Shortfall | null {
  const at = firstBelow(subtract(balance, delta), 0, from);
  if (at === null) return null;
  return { at, holds: valueAt(balance, at), needs: valueAt(delta, at) };
}

export function isoMinute(time: number): string {
  return new Date(time * 1000).toISOString().replace(':00.000Z', 'Z');
}

/** A sentence naming the first minute a pool falls short, what it holds, and what is needed. */
export function describeShortfall(poolId: string, instanceSkuId: string, gap: Shortfall): string {
  return (
    `Pool ${poolId} holds ${gap.holds} node(s) of ${instanceSkuId} at ${gap.at} (${isoMinute(gap.at)}), ` +
    `but ${gap.needs} are needed: short by ${gap.needs - gap.holds} from that minute.`
  );
}

/** A balance after a move, and the next time it changes after now. */
export interface MovedBalance {
  readonly schedule: Schedule;
  readonly nextBoundaryAt: number | null;
}

/** What a move does to the balances it touches (null where it has no pool on that side), or where the source falls short. */
export type MoveOutcome = { readonly source: MovedBalance | null; readonly destination: MovedBalance | null } | { readonly shortfall: Shortfall };

/**
 * Applies a move to the balances it touches: the source (null for an issuance) loses the delta and
 * the destination (null for a retirement) gains it; refused, with the shortfall, when the source
 * would go below zero at any minute from the current one. The past may be below zero: it is
 * over, and the move cannot change it.
 */
export function applyMove(kind: EntryKind, source: Schedule | null, destination: Schedule | null, delta: Schedule, now: number): MoveOutcome {
  assert((source === null) === (kind === 'issuance'), () => `a move of kind ${kind} ${source === null ? 'without' : 'with'} a source`);
  assert((destination === null) === (kind === 'retirement'), () => `a move of kind ${kind} ${destination === null ? 'without' : 'with'} a destination`);
  let from: MovedBalance | null = null;
  if (source !== null) {
    const gap = shortfall(source, delta, floorToMinute(now));
    if (gap !== null) return { shortfall: gap };
    const schedule = subtract(source, delta);
    from = { schedule, nextBoundaryAt: nextBoundary(schedule, now) };
  }
  let to: MovedBalance | null = null;
  if (destination !== null) {
    const schedule = add(destination, delta);
    to = { schedule, nextBoundaryAt: nextBoundary(schedule, now) };
  }
  return { source: from, destination: to };
}

/** Reads a delta from a request: valid rectangles that do not start before the current minute. */
export function parseDelta(entries: readonly RectangleInput[], field: string, now: number): Schedule | Failure {
  const delta = parseRectangles(entries, field);
  if (isFailure(delta)) return delta;
  const currentMinute = floorToMinute(now);
  const first = entries[0]!;
  if (first.start_at < currentMinute) {
    return invalidField(`${field}.0.start_at`, 'in_the_past', `${field} starts at ${first.start_at}, before the current minute ${currentMinute}: the past cannot move`);
  }
  return delta;
}
