// Moving allocation through the ledger: the one way any pool's holding changes. Issuance and
// retirement are the operator's; transfers and order fills move it between pools.

import { floorToMinute, minimumOver } from '../../domain/kernel/schedule.js';
import { assert } from '../../domain/kernel/assert.js';
import { type AllocationMove, applyMove, type Shortfall } from '../../domain/allocation/ledger.js';
import type { AllocationEntryRecord } from '../../store/allocation.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import { type AppContext, newId } from '../kernel/context.js';

/** An entry to be written: everything but its id and time. */
export type { AllocationMove } from '../../domain/allocation/ledger.js';

/**
 * Moves `delta` inside the caller's transaction: locks the balances involved, asks the domain
 * (`applyMove`) what the move does to them — refused, with the shortfall and nothing written,
 * when the source would go below zero at any minute from the current one — and writes the entry
 * and both balances. A caller that read which of the pools have instances to follow after
 * locking their balances (`tx.allocation.occupiedAhead`, a fill) gives them as `occupied`: the
 * write is then sent without waiting for its answer.
 */
export async function moveAllocation(
  context: AppContext,
  tx: Tx,
  move: AllocationMove,
  now: number,
  occupied?: ReadonlySet<string>,
): Promise<{ readonly entry: AllocationEntryRecord } | { readonly shortfall: Shortfall }> {
  assert(move.fromPoolId !== null || move.toPoolId !== null, () => `a ${move.kind} moves allocation from nowhere to nowhere`);
  assert(move.fromPoolId !== move.toPoolId, () => `a ${move.kind} moves allocation from pool ${move.fromPoolId} to itself`);
  const keys = [move.fromPoolId, move.toPoolId].filter((poolId): poolId is string => poolId !== null).map((poolId) => ({ poolId, instanceSkuId: move.instanceSkuId }));
  // The pools first (see the lock order in docs/architecture.md): a pool's deletion checks that it
  // holds nothing under its own lock, so no allocation can move into it once it is deleted.
  const live = await tx.pools.lockLive(keys.map((key) => key.poolId));
  const gone = keys.find((key) => !live.has(key.poolId));
  if (gone !== undefined) throw new TransientConflict(`Pool ${gone.poolId} was deleted while allocation was moving through it`);
  const balances = await tx.allocation.lockBalances(keys);
  const source = move.fromPoolId === null ? null : balances.find((balance) => balance.poolId === move.fromPoolId)!;
  const destination = move.toPoolId === null ? null : balances.find((balance) => balance.poolId === move.toPoolId)!;
  const outcome = applyMove(move.kind, source?.schedule ?? null, destination?.schedule ?? null, move.delta, now);
  if ('shortfall' in outcome) return outcome;
  // What applyMove promises, before it is written: the source never goes below zero from the current minute.
  assert(outcome.source === null || minimumOver(outcome.source.schedule, floorToMinute(now), null) >= 0, () => `a ${move.kind} would leave pool ${move.fromPoolId} below zero`);
  // Every statement from here to the commit runs under the balances' locks, which serialise
  // every move of these pools: as few as can be (one on PostgreSQL for both balances, the entry
  // and which pools have instances to follow).
  const entry: AllocationEntryRecord = { id: newId(context, 'allocationEntry'), ...move, createdAt: now };
  const writes = [
    ...(source === null ? [] : [{ balance: { ...source, schedule: outcome.source!.schedule }, nextBoundaryAt: outcome.source!.nextBoundaryAt }]),
    ...(destination === null ? [] : [{ balance: { ...destination, schedule: outcome.destination!.schedule }, nextBoundaryAt: outcome.destination!.nextBoundaryAt }]),
  ];
  let following: ReadonlySet<string>;
  if (occupied === undefined) following = await tx.allocation.writeMove(writes, entry);
  else {
    await tx.allocation.writeMoveDeferred(writes, entry);
    following = occupied;
  }
  // Instances follow allocation at once: running ones beyond it end, awaiting ones start. A pool
  // with no live instance of the SKU has nothing to follow.
  for (const { poolId } of keys) if (following.has(poolId)) await context.followAllocation(context, tx, poolId, move.instanceSkuId, now);
  return { entry };
}
