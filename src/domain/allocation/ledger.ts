// The ledger of node-seconds. Allocation enters the system only by the operator's issuance and
// leaves it only by retirement; every other change moves a delta from one pool to another. So
// for each SKU, at every minute, the pools together hold exactly what was issued minus what was
// retired, and no pool may go below zero at any minute from now on.

import { type Schedule, firstBelow, subtract, valueAt } from '../kernel/schedule.js';

export type EntryKind = 'issuance' | 'retirement' | 'transfer' | 'fill';

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
