// Sold node-time a host can no longer deliver (docs/fleet.md, Supply; docs/decisions.md). When a
// host goes down, is removed or is drained, its nodes leave the SKU's supply. Unsold node-time is
// fungible, so what the supply pool still holds (spare nodes of the SKU's other hosts) is retired
// first: buyers keep their contracts and their instances are placed on those hosts. What remains
// — node-time sold with no machine left to back it — is *unbacked*: it is taken back from the
// pools that hold the SKU's allocation and refunded at the price their contracts paid.
//
// Who gives it back, minute by minute: first allocation nobody runs on (a pool's balance above
// its running instances), so no workload stops while an idle node is held anywhere; then, one
// node at a time, the pool that holds the most (ties: the smaller pool id), so that a small buyer
// keeps its node while a large one gives up one of many. A pool whose allocation drops below its
// running instances ends them in its own keep order (domain/compute/placement.ts: the lowest
// priority first). Pure: the caller reads the balances, running counts and contracts.

import { exactCostOf } from '../kernel/money.js';
import { nextMinute } from './hosts.js';
import { clip, emptySchedule, isZeroFrom, minimum, normalize, type Schedule, type Step, subtract, totalNodeSeconds, valueAt } from '../kernel/schedule.js';

export interface Holder {
  readonly poolId: string;
  /** What the pool holds of the SKU. */
  readonly balance: Schedule;
  /** Its running instances of the SKU now. */
  readonly running: number;
}

export interface Reclaim {
  readonly poolId: string;
  /** What is taken back from the pool: never more than it holds at any time. */
  readonly take: Schedule;
}

/** The times in [from, to) where any of the schedules steps, with `from`, in order. */
function breakpoints(schedules: readonly Schedule[], from: number, to: number | null): number[] {
  const times = new Set<number>([from]);
  for (const schedule of schedules) {
    for (const at of schedule.times) if (at > from && (to === null || at < to)) times.add(at);
  }
  return [...times].sort((a, b) => a - b);
}

/**
 * What each holder gives back of `need` over [from, to) (`to` null: no end): at every time, the
 * takes sum to `need` or to all the holders hold, whichever is less; idle allocation first, then
 * the largest holding, a node at a time. Holders that give nothing are left out.
 */
export function reclaimUnbacked(need: Schedule, holders: readonly Holder[], from: number, to: number | null): Reclaim[] {
  const ordered = [...holders].sort((a, b) => (a.poolId < b.poolId ? -1 : a.poolId > b.poolId ? 1 : 0));
  const steps = ordered.map((): Step[] => []);
  const times = breakpoints([need, ...ordered.map((holder) => holder.balance)], from, to);
  for (const at of times) {
    let wanted = Math.max(0, valueAt(need, at));
    const held = ordered.map((holder) => Math.max(0, valueAt(holder.balance, at)));
    const takes = held.map(() => 0);
    // Idle first: the pool with the most idle nodes gives one, until none is idle or none is wanted.
    const idle = held.map((count, index) => Math.max(0, count - Math.max(0, ordered[index]!.running)));
    while (wanted > 0) {
      const index = largest(idle);
      if (index === null) break;
      idle[index]!--;
      takes[index]!++;
      wanted--;
    }
    // Then from what runs: the largest holding left gives one.
    const left = held.map((count, index) => count - takes[index]!);
    while (wanted > 0) {
      const index = largest(left);
      if (index === null) break;
      left[index]!--;
      takes[index]!++;
      wanted--;
    }
    takes.forEach((take, index) => steps[index]!.push({ at, count: take }));
  }
  const reclaims: Reclaim[] = [];
  ordered.forEach((holder, index) => {
    const list = steps[index]!;
    if (to !== null) list.push({ at: to, count: 0 });
    const take = normalize(list);
    if (take.times.length > 0) reclaims.push({ poolId: holder.poolId, take });
  });
  return reclaims;
}

/** The index of the largest positive count (the first of equals), or null. */
function largest(counts: readonly number[]): number | null {
  let best: number | null = null;
  counts.forEach((count, index) => {
    if (count > 0 && (best === null || count > counts[best]!)) best = index;
  });
  return best;
}

export interface PaidSlice {
  readonly contractId: string;
  /** What the contract put into the pool. */
  readonly schedule: Schedule;
  readonly priceMicrosPerHour: number;
  readonly filledAt: number;
}

export interface Refund {
  readonly contractId: string;
  readonly nodeSeconds: number;
  readonly micros: number;
}

/**
 * What a pool is refunded for `take`: each node-second taken is matched to the newest contract
 * that put one into the pool at that time (the last bought is the first given back) and refunded
 * at its price; node-time no contract paid for (the operator's own issuance) is refunded nothing.
 * Never more than the contracts cost.
 */
export function refundsFor(take: Schedule, contracts: readonly PaidSlice[]): Refund[] {
  const newestFirst = [...contracts].sort((a, b) => b.filledAt - a.filledAt || (a.contractId < b.contractId ? 1 : a.contractId > b.contractId ? -1 : 0));
  let left = take;
  const refunds: Refund[] = [];
  for (const contract of newestFirst) {
    const covered = minimum(left, contract.schedule);
    const nodeSeconds = totalNodeSeconds(covered);
    if (nodeSeconds <= 0) continue;
    left = subtract(left, covered);
    refunds.push({ contractId: contract.contractId, nodeSeconds, micros: exactCostOf(contract.priceMicrosPerHour, nodeSeconds) });
  }
  return refunds;
}

/** How far ahead a down host's unbacked node-time is taken back: an hour, renewed while it stays down. */
export const reclaimAheadSeconds = 3600;

/** Whether the host has unbacked node-time whose taking back is due at `now`: a removed host's all at once, a down host's an hour ahead, renewed each minute. */
export function unbackedDue(host: { readonly unbacked: Schedule; readonly removedAt: number | null; readonly reclaimedUntil: number | null }, now: number): boolean {
  if (isZeroFrom(host.unbacked, 0)) return false;
  return host.removedAt !== null || host.reclaimedUntil === null || host.reclaimedUntil < nextMinute(now) + reclaimAheadSeconds;
}
