// Time-driven work: at each boundary of a pool's allocation schedule, its instances are
// reconciled. Boundaries are processed in time order, in bounded batches, each batch one
// transaction; the manual clock's advance runs them before it returns, and the engine runs them
// as the real clock passes them.

import { nextBoundary } from '../domain/schedule.js';
import { boundaryBatchSize } from '../domain/limits.js';
import type { DueBoundary, Tx } from '../store/store.js';
import type { AppContext } from './context.js';
import { reconcilePoolSku } from './reconciler.js';

/**
 * Processes every boundary due at or before `upTo`, earliest first. `reconcileAt` says at what
 * time each is reconciled: the manual clock's advance stands the clock at each boundary and
 * reconciles there; the engine under the real clock reconciles late boundaries at the present,
 * since what is past cannot be redone. Returns how many pool-and-SKU boundaries it processed.
 */
export async function processBoundaries(context: AppContext, upTo: number, reconcileAt: (boundary: number) => number): Promise<number> {
  let processed = 0;
  for (;;) {
    const due = await context.store.read((tx) => tx.allocation.dueBoundaries(upTo, boundaryBatchSize));
    if (due.length === 0) return processed;
    // One batch holds boundaries of a single time, so that time never runs backwards.
    const at = due[0]!.at;
    const batch = due.filter((boundary) => boundary.at === at);
    const time = reconcileAt(at);
    await context.store.transaction(async (tx) => {
      for (const boundary of batch) await processBoundary(context, tx, boundary, time);
    });
    processed += batch.length;
  }
}

async function processBoundary(context: AppContext, tx: Tx, boundary: DueBoundary, at: number): Promise<void> {
  const [balance] = await tx.allocation.lockBalances([boundary]);
  // A change since the boundary was read has reconciled the pool and moved its next boundary.
  if (balance === undefined || balance.nextBoundaryAt !== boundary.at) return;
  await reconcilePoolSku(context, tx, boundary.poolId, boundary.instanceSkuId, at);
  await tx.allocation.setNextBoundary(boundary.poolId, boundary.instanceSkuId, nextBoundary(balance.schedule, at));
}

/** The earliest boundary still to process, or null. */
export async function nextDueBoundary(context: AppContext): Promise<number | null> {
  const [first] = await context.store.read((tx) => tx.allocation.dueBoundaries(Number.MAX_SAFE_INTEGER, 1));
  return first?.at ?? null;
}
