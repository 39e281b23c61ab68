// Time-driven work: at each boundary of a pool's allocation schedule its instances are
// reconciled (and its procurement reconsidered); resting orders are cancelled at their end; and
// procurements run every hour, as a new block enters their window; and deployments a request
// left short of (or over) their target continue, a batch of instances at a time. Due work is processed in time
// order, in bounded batches, each batch one transaction (the manual clock's advance goes on in one
// to a few later due times, briefly). The manual clock's advance runs it before it returns, and
// the engine runs it as the real clock passes it.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { nextBoundary } from '../domain/kernel/schedule.js';
import { boundaryBatchesAtOnce, boundaryBatchSize, boundaryEndsPerStatementMax, deploymentBatchSize } from '../domain/kernel/limits.js';
import { markInstancesEnded } from '../app/compute/run-intents.js';
import type { BalanceRecord, DueBoundary } from '../store/allocation.js';
import type { PlacedInstance } from '../store/compute.js';
import type { DueExpiry } from '../store/market.js';
import type { Tx } from '../store/store.js';
import type { AppContext } from '../app/kernel/context.js';
import { expireOrder } from '../app/market/book.js';
import { runProcurement, runProcurementFor } from '../app/market/procurement-runs.js';
import { type PoolSkuState, reconcilePoolSku } from '../app/compute/reconciler.js';
import { continueDeployment } from '../app/compute/deployments.js';

interface DueWork {
  readonly boundaries: readonly DueBoundary[];
  readonly expiries: readonly DueExpiry[];
  readonly runs: readonly { readonly id: string; readonly at: number }[];
  readonly deployments: readonly { readonly id: string; readonly at: number }[];
}

async function dueWork(context: AppContext, upTo: number): Promise<DueWork> {
  return context.store.read((tx) => readDueWork(tx, upTo));
}

async function readDueWork(tx: Tx, upTo: number): Promise<DueWork> {
  // Asked together: on PostgreSQL the four go on the wire at once, one round trip, not four.
  const [boundaries, expiries, runs, deployments] = await Promise.all([
    // Enough boundaries for the batches run at once (see processBoundaries).
    tx.allocation.dueBoundaries(upTo, boundaryBatchSize * boundaryBatchesAtOnce),
    tx.orders.dueExpiries(upTo, boundaryBatchSize),
    tx.procurements.dueRuns(upTo, boundaryBatchSize),
    tx.deployments.dueReconciles(upTo, deploymentBatchSize),
  ]);
  return { boundaries, expiries, runs, deployments };
}

function dueTimes(work: DueWork): number[] {
  return [...work.boundaries.map((item) => item.at), ...work.expiries.map((item) => item.endAt), ...work.runs.map((item) => item.at), ...work.deployments.map((item) => item.at)];
}

/** The work of the earliest due time of `work` (none: undefined), the boundaries all of them. */
function earliest(work: DueWork): DueWork & { readonly due: number } | undefined {
  const times = dueTimes(work);
  if (times.length === 0) return undefined;
  const due = Math.min(...times);
  return {
    due,
    boundaries: work.boundaries.filter((boundary) => boundary.at === due),
    expiries: work.expiries.filter((expiry) => expiry.endAt === due),
    runs: work.runs.filter((run) => run.at === due),
    deployments: work.deployments.filter((deployment) => deployment.at === due),
  };
}

/** How far one transaction of the manual clock's advance goes on to later due times (`processBoundaries`). */
export interface DueTimeChain {
  /** Due times one transaction works through at most. */
  readonly dueTimesMax: number;
  /** No due time is begun in a transaction once this long has passed since it began. */
  readonly millisMax: number;
}

/**
 * Processes all work due at or before `upTo`, earliest first. `alsoInBatch` runs in each batch's
 * transaction, after its work, with the time it was done at: the manual clock's advance saves the
 * clock there, so that the clock and the work it drove commit together. `reconcileAt` says at what time
 * the work of a due time is done: the manual clock's advance stands the clock at each due time
 * and works there; the engine under the real clock does late work at the present, since what is
 * past cannot be redone. `coalesce` (the manual clock's advance) lets a procurement skip the
 * runs up to `upTo` that would change nothing (domain/market/procurement.ts, `coalescedNextRun`).
 * `chain` (the manual clock's advance too) lets a transaction go on to the next due times, each
 * worked at its own time and in order as ever, the clock saved once with the last: a procurement
 * that trades every minute otherwise costs a commit per minute of clock. Returns how many items it
 * processed.
 */
export async function processBoundaries(
  context: AppContext,
  upTo: number,
  reconcileAt: (due: number) => number,
  alsoInBatch: (tx: Tx, time: number) => Promise<void> = async () => {},
  coalesce = false,
  chain: DueTimeChain | null = null,
): Promise<number> {
  const horizon = coalesce ? upTo : undefined;
  let processed = 0;
  for (;;) {
    // Between batches, let everything else waiting run: on SQLite every statement completes
    // without a real wait, so a long run of batches would otherwise never give the event loop back
    // and the server would answer nothing (not even /v1/_healthz) until it ended.
    if (processed > 0) await yieldToEventLoop();
    const first = earliest(await dueWork(context, upTo));
    if (first === undefined) return processed;
    // One batch holds work of a single due time, or (chained) of several one after another, so
    // that time never runs backwards.
    const time = reconcileAt(first.due);
    const { boundaries } = first;
    if (first.expiries.length === 0 && first.runs.length === 0 && first.deployments.length === 0 && boundaries.length > boundaryBatchSize && !(await anyProcurement(context, boundaries))) {
      // Only boundaries, of pools no procurement trades for: their batches touch disjoint rows
      // (each its own pools' balances and instances), so they run at once, each its own
      // transaction with the clock saved in it as ever. On PostgreSQL each has a connection and
      // the server works on them side by side; SQLite commits them together (store/commit-group.ts).
      // A procurement created meanwhile is run by its batch as ever; at worst batches then wait on
      // each other's locks (or deadlock, and the store retries one).
      const batches = Array.from({ length: Math.ceil(boundaries.length / boundaryBatchSize) }, (_, index) => boundaries.slice(index * boundaryBatchSize, (index + 1) * boundaryBatchSize));
      await settleAll(
        batches.map((batch) =>
          context.store.transaction(async (tx) => {
            await processBoundariesAt(context, tx, batch, time, horizon);
            await alsoInBatch(tx, time);
          }),
        ),
      );
      processed += boundaries.length;
      continue;
    }
    processed += await context.store.transaction(async (tx) => {
      const began = performance.now();
      let step: DueWork = first;
      let at = time;
      let done = 0;
      // What the transaction holds, as a batch bounds it: deployments' steps, and the rest.
      let deployments = 0;
      let others = 0;
      for (let count = 1; ; count++) {
        done += await processDueTime(context, tx, step, at, horizon);
        deployments += step.deployments.length;
        others += Math.min(step.boundaries.length, boundaryBatchSize) + step.expiries.length + step.runs.length;
        if (chain === null || count >= chain.dueTimesMax || performance.now() - began >= chain.millisMax) break;
        // Read in the transaction, after what it did: a run moves its next run on, a boundary its
        // pool's next boundary. A transaction holds no more than one batch would: the boundaries,
        // expiries and runs of a batch, and `deploymentBatchSize` deployments' steps (each up to
        // `deploymentInstancesPerTransaction` instances); what would pass them is left to the
        // loop above (whose boundaries' batches may run at once).
        const next = earliest(await readDueWork(tx, upTo));
        if (next === undefined || others + next.boundaries.length + next.expiries.length + next.runs.length > boundaryBatchSize || deployments + next.deployments.length > deploymentBatchSize) break;
        // Never behind the time already worked at (this process's clock moves at the commit).
        at = Math.max(reconcileAt(next.due), at);
        step = next;
      }
      await alsoInBatch(tx, at);
      return done;
    });
  }
}

/** The work of one due time (its first batch of boundaries) at `at`, in the caller's transaction;
 * answers how many items it processed. */
async function processDueTime(context: AppContext, tx: Tx, work: DueWork, at: number, horizon: number | undefined): Promise<number> {
  const batch = work.boundaries.slice(0, boundaryBatchSize);
  await processBoundariesAt(context, tx, batch, at, horizon);
  for (const expiry of work.expiries) await expireOrder(context, tx, expiry.id, at, expiry.instanceSkuId);
  for (const run of work.runs) await runProcurement(context, tx, run.id, at, horizon);
  for (const deployment of work.deployments) await continueDeployment(context, tx, deployment.id, at);
  return batch.length + work.expiries.length + work.runs.length + work.deployments.length;
}

/** Whether any of these pools has a procurement for its SKU (read outside the batches' transactions). */
async function anyProcurement(context: AppContext, boundaries: readonly DueBoundary[]): Promise<boolean> {
  return (await context.store.read((tx) => tx.procurements.poolSkusWithProcurement(boundaries))).size > 0;
}

/** Waits for every one of `work` to end, then throws the first failure, if any: a batch still
 * running is never left behind when another fails. */
async function settleAll(work: readonly Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * The boundaries of one due time, in their order. Each pool's reconciliation touches only its own
 * instances (and its deployments', which are in the pool), so the balances and live instances of
 * all are read in one statement each, before any is reconciled, instead of pool by pool; the
 * placement is still decided pool by pool, and a pool's procurement runs right after its pool, as
 * it did pool by pool. A procurement that trades moves allocation of other pools (the sellers',
 * which may be in the batch, and whose instances follow it): then what is left of the batch is
 * read again. Most runs trade nothing (a standing buy waiting), so the batch is read once.
 */
async function processBoundariesAt(context: AppContext, tx: Tx, boundaries: readonly DueBoundary[], at: number, horizon: number | undefined): Promise<void> {
  if (boundaries.length === 0) return;
  const withProcurement = await tx.procurements.poolSkusWithProcurement(boundaries);
  let read = await readBatch(tx, boundaries);
  // The batch's plain writes — instances ended that nothing else follows from, and each balance's
  // next boundary — go in a few statements, not two per pool (a round trip each on PostgreSQL).
  // Pools are independent, so they wait until a procurement runs (its trades move allocation and
  // reconcile the pools they touch, which must read what was ended, and set next boundaries the
  // batch's must not overwrite) or the batch ends.
  const ends: string[] = [];
  const nextBoundaries: { poolId: string; instanceSkuId: string; nextBoundaryAt: number | null }[] = [];
  const write = async () => {
    await markInstancesEnded(context, tx, ends.splice(0), 'terminated', at);
    await tx.allocation.setNextBoundaries(nextBoundaries.splice(0));
  };
  const endLater = (ids: readonly string[]) => ends.push(...ids);
  for (const [index, boundary] of boundaries.entries()) {
    const key = `${boundary.poolId} ${boundary.instanceSkuId}`;
    const state = { live: read.live.get(key) ?? [], balance: read.balances.get(key), endLater };
    const next = await processBoundary(context, tx, boundary, at, state);
    if (next === false) continue;
    nextBoundaries.push({ poolId: boundary.poolId, instanceSkuId: boundary.instanceSkuId, nextBoundaryAt: next });
    if (ends.length >= boundaryEndsPerStatementMax) await write();
    if (!withProcurement.has(key)) continue;
    await write();
    const traded = await runProcurementFor(context, tx, boundary.poolId, boundary.instanceSkuId, at, horizon);
    if (traded && index + 1 < boundaries.length) read = await readBatch(tx, boundaries.slice(index + 1));
  }
  await write();
}

/** The balances (locked) and live instances of a batch's pools, by `pool sku`. */
async function readBatch(tx: Tx, boundaries: readonly DueBoundary[]): Promise<{ readonly balances: Map<string, BalanceRecord | undefined>; readonly live: Map<string, PlacedInstance[]> }> {
  const locked = await tx.allocation.lockBalances(boundaries);
  const balances = new Map(boundaries.map((boundary, index) => [`${boundary.poolId} ${boundary.instanceSkuId}`, locked[index]]));
  const live = new Map<string, PlacedInstance[]>();
  for (const instance of await tx.instances.liveInPoolSkus(boundaries)) {
    const key = `${instance.poolId} ${instance.instanceSkuId}`;
    const list = live.get(key);
    if (list === undefined) live.set(key, [instance]);
    else list.push(instance);
  }
  return { balances, live };
}

/**
 * One boundary: its pool reconciled from its pool's state as `processBoundariesAt` read it, and
 * its next boundary, for the caller to set. Answers false when a change since the boundary was read has
 * already reconciled the pool and moved its next boundary (nothing is done, and its procurement
 * is not run for it).
 */
async function processBoundary(context: AppContext, tx: Tx, boundary: DueBoundary, at: number, state: PoolSkuState): Promise<number | null | false> {
  const balance = state.balance;
  if (balance === undefined || balance.nextBoundaryAt !== boundary.at) return false;
  await reconcilePoolSku(context, tx, boundary.poolId, boundary.instanceSkuId, at, state);
  return nextBoundary(balance.schedule, at);
}

/** The earliest work still to do, or null. */
export async function nextDueBoundary(context: AppContext): Promise<number | null> {
  const work = await dueWork(context, Number.MAX_SAFE_INTEGER);
  const times = dueTimes(work);
  return times.length === 0 ? null : Math.min(...times);
}
