// Procurement runs: keep a pool's allocation of one SKU at a target over a window ahead. Each run
// cancels the procurement's resting orders and places what the plan (domain/market/procurement.ts)
// says: standing buys at no more than the max buy price for each block short of the target, and
// sells into standing bids at no less than the min sell price for each stretch over it, over
// exactly the window's minutes. A run happens when the procurement is created or changed, when
// the instances that a `node_count` target counts change, when its pool's allocation changes at a
// boundary, when the first minute off the target enters the window as it moves on (every minute
// while it buys or sells), and at least every hour. Runs place through the book (book.ts); the
// procurements' use cases (procurements.ts) and the orders' (orders.ts) both run them from here,
// so neither imports the other.

import { assert } from '../../domain/kernel/assert.js';
import { isFailure } from '../../domain/kernel/failures.js';
import { coalescedNextRun, lastModelRunThrough, nextModelRunAfter, nextRunAfter, placementProblem, placesAfter, planProcurement, type ProcurementStatus, procurementWindow, runStatus } from '../../domain/market/procurement.js';
import { emptySchedule, isEmpty } from '../../domain/kernel/schedule.js';
import { opposingOrdersMax } from '../../domain/kernel/limits.js';
import type { ProcurementRecord } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { type AppContext } from '../kernel/context.js';
import { recordEvent } from '../kernel/events.js';
import { closeOrder, placeOrder } from './book.js';

/** The count a `node_count` target stands for: the pool's awaiting and running instances of the SKU. */
async function targetOf(tx: Tx, procurement: ProcurementRecord): Promise<number> {
  if (procurement.target !== 'node_count') return procurement.target;
  return (await tx.instances.liveInPoolSku(procurement.poolId, procurement.instanceSkuId)).length;
}

/** Cancels the procurement's resting orders, returning their holds. */
export async function cancelRestingOrders(context: AppContext, tx: Tx, procurementId: string, at: number): Promise<void> {
  for (const order of await tx.orders.restingOfProcurement(procurementId)) await closeOrder(context, tx, order, 'cancelled', at);
}

/**
 * One run of a procurement at time `at`, in the caller's transaction; answers whether it traded.
 * `horizon` is the end of the manual clock's advance that runs it: then the runs that would
 * change nothing up to there are skipped (`coalescedNextRun`), as long as it is its SKU's only
 * enabled procurement (another's runs, in their own order, could meet its orders).
 */
export async function runProcurement(context: AppContext, tx: Tx, procurementId: string, at: number, horizon?: number): Promise<boolean> {
  const procurement = await tx.procurements.findByIdForEngine(procurementId);
  if (procurement === undefined) return false;
  await tx.orders.lockBook(procurement.instanceSkuId);
  await catchUpProcurements(context, tx, procurement.instanceSkuId, at, procurement.id);
  await cancelRestingOrders(context, tx, procurement.id, at);
  if (!procurement.enabled) {
    await tx.procurements.update(procurement.id, { statusState: 'info', statusMessage: 'Disabled: no orders are placed.', nextRunAt: null, runDueAt: null, updatedAt: at });
    return false;
  }
  const target = await targetOf(tx, procurement);
  const pool = (await tx.pools.findByIdForOperator(procurement.poolId))!;
  const sku = (await tx.instanceSkus.findById(procurement.instanceSkuId))!;
  const balance = await tx.allocation.balanceOf(pool.id, sku.id);
  let problem: ProcurementStatus | null = null;
  let traded = false;
  for (const planned of planProcurement(target, balance?.schedule ?? emptySchedule, at, procurement.managedWindowMinutes, procurement.startsAt)) {
    const buying = planned.side === 'buy';
    const plan = () => `procurement ${procurement.id} plans ${planned.nodes} node(s) over ${planned.startAt}–${planned.endAt} at ${at}`;
    assert(planned.nodes > 0, plan);
    assert(planned.startAt < planned.endAt, plan);
    assert(planned.endAt > at, plan);
    if (!placesAfter(problem, planned.side)) continue;
    const placed = await placeOrder(
      context,
      tx,
      {
        accountId: procurement.accountId,
        pool,
        sku,
        side: planned.side,
        startAt: planned.startAt,
        endAt: planned.endAt,
        nodeCount: planned.nodes,
        limitMicros: buying ? procurement.maxBuyMicros : procurement.minSellMicros,
        // Buys rest at the max price until sellers come; surplus is sold only into bids already there.
        allowStanding: buying,
        allowPartial: true,
        procurementId: procurement.id,
        createdBy: null,
      },
      at,
    );
    if (isFailure(placed)) {
      problem = placementProblem(placed);
      if (problem.state === 'error') recordEvent(context, tx, { kind: 'procurement_starved', procurementId: procurement.id, accountId: procurement.accountId, message: placed.message, at });
    } else if (!isEmpty(placed.filled)) {
      traded = true;
    }
  }
  const held = (await tx.allocation.balanceOf(pool.id, sku.id))?.schedule ?? emptySchedule;
  const status = runStatus({ problem, at, target, held, managedWindowMinutes: procurement.managedWindowMinutes, startsAt: procurement.startsAt, maxBuyMicros: procurement.maxBuyMicros });
  const runDueAt = nextRunAfter(at, target, held, procurement.managedWindowMinutes, procurement.startsAt);
  assert(runDueAt > at, () => `procurement ${procurement.id} would next run at ${runDueAt}, not after ${at}`);
  let nextRunAt = runDueAt;
  if (horizon !== undefined && runDueAt <= horizon && problem === null && !traded && (await tx.procurements.countEnabledForSku(sku.id)) === 1) {
    const opposing = await tx.orders.resting(
      { instanceSkuIds: [sku.id], side: 'sell', priceBound: procurement.maxBuyMicros, overlapsFrom: procurementWindow(at, procurement.managedWindowMinutes).startAt, overlapsTo: procurementWindow(horizon, procurement.managedWindowMinutes).endAt },
      opposingOrdersMax + 1,
      0,
    );
    // A book too deep to look through is not coalesced over: the runs go minute by minute.
    if (opposing.length <= opposingOrdersMax) {
      nextRunAt = coalescedNextRun({ at, upTo: horizon, target, held, managedWindowMinutes: procurement.managedWindowMinutes, startsAt: procurement.startsAt, opposing });
      assert(nextRunAt >= runDueAt, () => `procurement ${procurement.id} would run at ${nextRunAt}, before its model's next run at ${runDueAt}`);
    }
  }
  await tx.procurements.update(procurement.id, { statusState: status.state, statusMessage: status.message, nextRunAt, runDueAt, updatedAt: at });
  return traded;
}

/**
 * Brings the SKU's procurements whose runs a clock advance skipped, and which the model would have
 * run by `now`, to the model's last run (at its time): before anything else places on the SKU's
 * book, which would otherwise meet the orders of their last real run rather than the model's.
 * Their skipped runs traded nothing, so that one run leaves exactly what the model leaves. With
 * no SKU, all of them: the manual clock's advance does so at its end, for what an advance cut
 * short (a process killed mid-advance) left skipped past where the next one ends.
 */
export async function catchUpProcurements(context: AppContext, tx: Tx, instanceSkuId: string | null, now: number, except: string | null = null): Promise<void> {
  for (const behind of await tx.procurements.behind(now, instanceSkuId)) {
    if (behind.id === except) continue;
    const held = (await tx.allocation.balanceOf(behind.poolId, behind.instanceSkuId))?.schedule ?? emptySchedule;
    const at = lastModelRunThrough(behind.runDueAt!, now, await targetOf(tx, behind), held, behind.managedWindowMinutes, behind.startsAt)!;
    // Not behind any more (the run below must not catch itself up), then run where the model last ran.
    await tx.procurements.update(behind.id, { nextRunAt: at, runDueAt: at, updatedAt: behind.updatedAt });
    await runProcurement(context, tx, behind.id, at);
  }
}

/**
 * After one of its orders was cancelled from outside (by its account): a procurement whose runs
 * are skipped runs again where the model would next run it, which would replace the order.
 */
export async function resumeProcurement(tx: Tx, procurementId: string, now: number): Promise<void> {
  const procurement = await tx.procurements.findByIdForEngine(procurementId);
  if (procurement === undefined || procurement.runDueAt == null || procurement.nextRunAt === null || procurement.runDueAt >= procurement.nextRunAt) return;
  const held = (await tx.allocation.balanceOf(procurement.poolId, procurement.instanceSkuId))?.schedule ?? emptySchedule;
  const at = nextModelRunAfter(procurement.runDueAt, now, await targetOf(tx, procurement), held, procurement.managedWindowMinutes, procurement.startsAt);
  await tx.procurements.update(procurement.id, { nextRunAt: at, runDueAt: at, updatedAt: procurement.updatedAt });
}

/** Runs the procurement of a pool and SKU, if there is one; answers whether it traded. */
export async function runProcurementFor(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, at: number, horizon?: number): Promise<boolean> {
  const procurement = await tx.procurements.findForPoolSku(poolId, instanceSkuId);
  if (procurement !== undefined && procurement.enabled) return runProcurement(context, tx, procurement.id, at, horizon);
  return false;
}
