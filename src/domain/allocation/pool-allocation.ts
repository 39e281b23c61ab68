// A pool's allocation as the API shows it: the schedule of each SKU it holds and their total,
// from a given minute on.

import { add, emptySchedule, isZeroFrom, type Schedule } from '../kernel/schedule.js';

export interface PoolAllocation {
  readonly total: Schedule;
  /** Only SKUs the pool holds at some minute from `from` on. */
  readonly byInstanceSku: ReadonlyMap<string, Schedule>;
}

export function poolAllocation(balances: readonly { readonly instanceSkuId: string; readonly schedule: Schedule }[], from: number): PoolAllocation {
  let total = emptySchedule;
  const byInstanceSku = new Map<string, Schedule>();
  for (const balance of balances) {
    if (isZeroFrom(balance.schedule, from)) continue;
    byInstanceSku.set(balance.instanceSkuId, balance.schedule);
    total = add(total, balance.schedule);
  }
  return { total, byInstanceSku };
}

/** Where a pool's schedule starts being shown: the current minute, less the history asked for. */
export function scheduleViewStart(now: number, historyMinutes: number): number {
  return Math.floor(now / 60) * 60 - historyMinutes * 60;
}
