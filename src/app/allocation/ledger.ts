// Moving allocation through the ledger: the one way any pool's holding changes. Issuance and
// retirement are the operator's; transfers and order fills move it between pools.

import { type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { type Shortfall, shortfall } from '../../domain/allocation/ledger.js';
import { add, floorToMinute, nextBoundary, parseRectangles, type RectangleInput, type Schedule, subtract } from '../../domain/kernel/schedule.js';
import type { AllocationEntryRecord } from '../../store/allocation.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import { type AppContext, newId } from '../kernel/context.js';

/** An entry to be written: everything but its id and time. */
export type AllocationMove = Omit<AllocationEntryRecord, 'id' | 'createdAt'>;

/**
 * Moves `delta` inside the caller's transaction: locks the balances involved, refuses (returning
 * the shortfall, writing nothing) when the source would go below zero at any minute from the
 * current one, and otherwise writes the entry and both balances.
 */
export async function moveAllocation(
  context: AppContext,
  tx: Tx,
  move: AllocationMove,
  now: number,
): Promise<{ readonly entry: AllocationEntryRecord } | { readonly shortfall: Shortfall }> {
  const keys = [move.fromPoolId, move.toPoolId].filter((poolId): poolId is string => poolId !== null).map((poolId) => ({ poolId, instanceSkuId: move.instanceSkuId }));
  // The pools first (see the lock order in docs/architecture.md): a pool's deletion checks that it
  // holds nothing under its own lock, so no allocation can move into it once it is deleted.
  const live = await tx.pools.lockLive(keys.map((key) => key.poolId));
  const gone = keys.find((key) => !live.has(key.poolId));
  if (gone !== undefined) throw new TransientConflict(`Pool ${gone.poolId} was deleted while allocation was moving through it`);
  const balances = await tx.allocation.lockBalances(keys);
  const source = move.fromPoolId === null ? undefined : balances.find((balance) => balance.poolId === move.fromPoolId);
  const destination = move.toPoolId === null ? undefined : balances.find((balance) => balance.poolId === move.toPoolId);
  if (source !== undefined) {
    const gap = shortfall(source.schedule, move.delta, floorToMinute(now));
    if (gap !== null) return { shortfall: gap };
    const schedule = subtract(source.schedule, move.delta);
    await tx.allocation.setBalance({ ...source, schedule }, nextBoundary(schedule, now));
  }
  if (destination !== undefined) {
    const schedule = add(destination.schedule, move.delta);
    await tx.allocation.setBalance({ ...destination, schedule }, nextBoundary(schedule, now));
  }
  const entry: AllocationEntryRecord = { id: newId(context, 'allocationEntry'), ...move, createdAt: now };
  await tx.allocation.insertEntry(entry);
  // Instances follow allocation at once: running ones beyond it end, awaiting ones start.
  for (const { poolId } of keys) await context.followAllocation(context, tx, poolId, move.instanceSkuId, now);
  return { entry };
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
