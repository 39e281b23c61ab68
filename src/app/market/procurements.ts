// Procurements: keep a pool's allocation of one SKU at a target over a window ahead. Each run
// cancels the procurement's resting orders and places what the plan (domain/market/procurement.ts)
// says: standing buys at no more than the max buy price for each block short of the target, and
// sells into standing bids at no less than the min sell price for each stretch over it, over
// exactly the window's minutes. A run happens when the procurement is created or changed, when
// the instances that a `node_count` target counts change, when its pool's allocation changes at a
// boundary, when the first minute off the target enters the window as it moves on (every minute
// while it buys or sells), and at least every hour.

import { assert } from '../../domain/kernel/assert.js';
import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { createProcurementOperation, deleteProcurementOperation, getProcurementOperation, listProcurementsOperation, patchProcurementOperation } from '../../domain/market/operations.js';
import { declaring } from '../kernel/declaring.js';
import { managedWindowMinutesMax } from '../../domain/kernel/limits.js';
import { formatDollars, parseDollarsPerNodeHour } from '../../domain/kernel/money.js';
import { isoMinute } from '../../domain/allocation/ledger.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { coalescedNextRun, lastModelRunThrough, managedStretch, nextModelRunAfter, nextRunAfter, planProcurement, procurementWindow } from '../../domain/market/procurement.js';
import { emptySchedule, isEmpty, minimumOver } from '../../domain/kernel/schedule.js';
import { opposingOrdersMax } from '../../domain/kernel/limits.js';
import type { ProcurementRecord, ProcurementView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { recordEvent } from '../kernel/events.js';
import { closeOrder, placeOrder } from './book.js';
import { lockPoolsForAdding, resolvePool, resolvePoolFilter } from '../allocation/pools.js';
import { resolveProcurement } from './references.js';

/** A procurement the account may change itself: not a spot deployment's, which changes through the deployment. */
async function resolveChangeableProcurement(tx: Tx, accountId: string, reference: string): Promise<ProcurementView | Failure> {
  const procurement = await resolveProcurement(tx, accountId, reference);
  if (isFailure(procurement)) return procurement;
  const deployment = await tx.deployments.findByProcurement(procurement.id);
  if (deployment === undefined) return procurement;
  return fail('automation_conflict', `Procurement "${procurement.name}" belongs to spot deployment "${deployment.name}" (${deployment.id}); change or delete the deployment instead`);
}

/** The count a `node_count` target stands for: the pool's awaiting and running instances of the SKU. */
async function targetOf(tx: Tx, procurement: ProcurementRecord): Promise<number> {
  if (procurement.target !== 'node_count') return procurement.target;
  return (await tx.instances.liveInPoolSku(procurement.poolId, procurement.instanceSkuId)).length;
}

/** Cancels the procurement's resting orders, returning their holds. */
async function cancelRestingOrders(context: AppContext, tx: Tx, procurementId: string, at: number): Promise<void> {
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
  let problem: { state: 'warning' | 'error'; message: string } | null = null;
  let traded = false;
  for (const planned of planProcurement(target, balance?.schedule ?? emptySchedule, at, procurement.managedWindowMinutes, procurement.startsAt)) {
    const buying = planned.side === 'buy';
    const plan = () => `procurement ${procurement.id} plans ${planned.nodes} node(s) over ${planned.startAt}–${planned.endAt} at ${at}`;
    assert(planned.nodes > 0, plan);
    assert(planned.startAt < planned.endAt, plan);
    assert(planned.endAt > at, plan);
    if (buying && problem?.state === 'error') continue;
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
      problem = { state: placed.failure === 'insufficient_balance' ? 'error' : 'warning', message: placed.message };
      if (placed.failure === 'insufficient_balance') recordEvent(context, tx, { kind: 'procurement_starved', procurementId: procurement.id, accountId: procurement.accountId, message: placed.message, at });
    } else if (!isEmpty(placed.filled)) {
      traded = true;
    }
  }
  const windowEnd = procurementWindow(at, procurement.managedWindowMinutes).endAt;
  const stretch = managedStretch(at, procurement.managedWindowMinutes, procurement.startsAt);
  const held = (await tx.allocation.balanceOf(pool.id, sku.id))?.schedule ?? emptySchedule;
  const lowest = stretch === null ? target : minimumOver(held, stretch.startAt, stretch.endAt);
  let status: { state: 'info' | 'warning' | 'error'; message: string };
  if (problem !== null) status = problem;
  else if (stretch === null) status = { state: 'info', message: `Begins at ${isoMinute(procurement.startsAt!)}: nothing is bought or sold before.` };
  else if (lowest >= target) status = { state: 'info', message: `Holding the target of ${target} node(s) through ${isoMinute(windowEnd)}.` };
  else {
    status = {
      state: 'warning',
      message: `Short of the target of ${target} node(s): as few as ${lowest} held before ${isoMinute(windowEnd)}, with no sellers at or below ${formatDollars(procurement.maxBuyMicros)} dollars per node-hour; a standing buy waits for them.`,
    };
  }
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

export interface ProcurementInput {
  readonly name?: string | null | undefined;
  readonly pool: string;
  readonly instance_sku: string;
  readonly target: number | 'node_count';
  readonly min_sell_price_dollars_per_node_hour: string;
  readonly max_buy_price_dollars_per_node_hour: string;
  readonly managed_window_minutes: number;
  readonly enabled?: boolean | undefined;
  /** Internal (an autoreserved v1 node's `start_at`): buy and sell nothing before it. */
  readonly startsAt?: number | null | undefined;
}

function checkWindow(minutes: number): Failure | null {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > managedWindowMinutesMax) {
    return invalidField('managed_window_minutes', 'out_of_range', `managed_window_minutes must be from 1 to ${managedWindowMinutesMax}`);
  }
  return null;
}

/** Creates a procurement in the caller's transaction (spot deployments create one too). */
export async function insertProcurement(context: AppContext, tx: Tx, accountId: string, input: ProcurementInput, now: number): Promise<ProcurementView | Failure> {
  const minSell = parseDollarsPerNodeHour(input.min_sell_price_dollars_per_node_hour, 'min_sell_price_dollars_per_node_hour');
  if (isFailure(minSell)) return minSell;
  const maxBuy = parseDollarsPerNodeHour(input.max_buy_price_dollars_per_node_hour, 'max_buy_price_dollars_per_node_hour');
  if (isFailure(maxBuy)) return maxBuy;
  const badWindow = checkWindow(input.managed_window_minutes);
  if (badWindow !== null) return badWindow;
  const pool = await resolvePool(tx, accountId, input.pool);
  if (isFailure(pool)) return pool;
  if (pool.kind !== 'market') return fail('pool_cannot_receive', `Pool "${pool.name}" is ${pool.kind}: procurements buy into market pools only`);
  await lockPoolsForAdding(tx, [pool.id]);
  const sku = await findInstanceSku(tx, input.instance_sku);
  if (isFailure(sku)) return sku;
  if ((await tx.procurements.findForPoolSku(pool.id, sku.id)) !== undefined) {
    return fail('automation_conflict', `Pool "${pool.name}" and instance SKU ${sku.alias} already have a procurement`);
  }
  const name = input.name ?? newName(context);
  const taken = fail('name_taken', `A procurement named "${name}" already exists in workspace "${pool.workspaceName}"`);
  if ((await tx.procurements.findByName(pool.workspaceId, name)) !== undefined) return taken;
  const id = newId(context, 'procurement');
  const record = {
    id,
    accountId,
    workspaceId: pool.workspaceId,
    name,
    poolId: pool.id,
    instanceSkuId: sku.id,
    target: input.target,
    minSellMicros: minSell,
    maxBuyMicros: maxBuy,
    managedWindowMinutes: input.managed_window_minutes,
    startsAt: input.startsAt ?? null,
    enabled: input.enabled ?? true,
    statusState: 'info' as const,
    statusMessage: 'Created.',
    nextRunAt: now,
    createdAt: now,
    updatedAt: now,
  };
  if ((await tx.procurements.insert(record)) === 'name_taken') return taken;
  await runProcurement(context, tx, id, now);
  return (await tx.procurements.findById(accountId, id))!;
}

export const createProcurement = declaring(createProcurementOperation, async function createProcurement(context: AppContext, accountId: string, input: ProcurementInput): Promise<ProcurementView | Failure> {
  const now = context.clock.now();
  return context.store.transaction((tx) => insertProcurement(context, tx, accountId, input, now));
});

export const getProcurement = declaring(getProcurementOperation, async function getProcurement(context: AppContext, accountId: string, reference: string): Promise<ProcurementView | Failure> {
  return context.store.read((tx) => resolveProcurement(tx, accountId, reference));
});

export const listProcurements = declaring(listProcurementsOperation, async function listProcurements(context: AppContext, accountId: string, input: PageQuery & { workspace?: string | undefined; pool?: string | undefined }): Promise<Page<ProcurementView> | Failure> {
  const page = parsePageQuery(cursorPrefixes.procurements, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    const scope = await resolvePoolFilter(tx, accountId, input);
    if (isFailure(scope)) return scope;
    const rows = await tx.procurements.list({ accountId, ...scope }, page);
    return toPage(cursorPrefixes.procurements, page, rows);
  });
});

export interface PatchProcurementInput {
  readonly name?: string | null | undefined;
  readonly instance_sku?: string | null | undefined;
  readonly target?: number | 'node_count' | null | undefined;
  readonly min_sell_price_dollars_per_node_hour?: string | null | undefined;
  readonly max_buy_price_dollars_per_node_hour?: string | null | undefined;
  readonly managed_window_minutes?: number | null | undefined;
  readonly enabled?: boolean | null | undefined;
}

/** Changes a procurement in the caller's transaction, and runs it; disabling cancels its orders. */
export async function changeProcurement(context: AppContext, tx: Tx, procurement: ProcurementView, input: PatchProcurementInput, now: number): Promise<ProcurementView | Failure> {
  const changes: Parameters<Tx['procurements']['update']>[1] & { -readonly [K in 'name' | 'instanceSkuId' | 'target' | 'minSellMicros' | 'maxBuyMicros' | 'managedWindowMinutes' | 'enabled']?: ProcurementRecord[K] } = { updatedAt: now };
  if (input.name !== undefined && input.name !== null && input.name !== procurement.name) {
    if ((await tx.procurements.findByName(procurement.workspaceId, input.name)) !== undefined) return fail('name_taken', `A procurement named "${input.name}" already exists`);
    changes.name = input.name;
  }
  if (input.instance_sku !== undefined && input.instance_sku !== null) {
    const sku = await findInstanceSku(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    if (sku.id !== procurement.instanceSkuId && (await tx.procurements.findForPoolSku(procurement.poolId, sku.id)) !== undefined) {
      return fail('automation_conflict', `The pool and instance SKU ${sku.alias} already have a procurement`);
    }
    changes.instanceSkuId = sku.id;
  }
  if (input.target !== undefined && input.target !== null) changes.target = input.target;
  for (const [field, key] of [
    ['min_sell_price_dollars_per_node_hour', 'minSellMicros'],
    ['max_buy_price_dollars_per_node_hour', 'maxBuyMicros'],
  ] as const) {
    const text = input[field];
    if (text === undefined || text === null) continue;
    const micros = parseDollarsPerNodeHour(text, field);
    if (isFailure(micros)) return micros;
    changes[key] = micros;
  }
  if (input.managed_window_minutes !== undefined && input.managed_window_minutes !== null) {
    const badWindow = checkWindow(input.managed_window_minutes);
    if (badWindow !== null) return badWindow;
    changes.managedWindowMinutes = input.managed_window_minutes;
  }
  if (input.enabled !== undefined && input.enabled !== null) changes.enabled = input.enabled;
  if ((await tx.procurements.update(procurement.id, changes)) === 'name_taken') return fail('name_taken', `A procurement named "${input.name}" already exists`);
  await runProcurement(context, tx, procurement.id, now);
  return (await tx.procurements.findById(procurement.accountId, procurement.id))!;
}

export const patchProcurement = declaring(patchProcurementOperation, async function patchProcurement(context: AppContext, accountId: string, reference: string, input: PatchProcurementInput): Promise<ProcurementView | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const procurement = await resolveChangeableProcurement(tx, accountId, reference);
    if (isFailure(procurement)) return procurement;
    return changeProcurement(context, tx, procurement, input, now);
  });
});

/** Deletes a procurement in the caller's transaction; its resting orders are cancelled. */
export async function removeProcurement(context: AppContext, tx: Tx, procurement: ProcurementRecord, now: number): Promise<void> {
  await tx.orders.lockBook(procurement.instanceSkuId);
  await cancelRestingOrders(context, tx, procurement.id, now);
  await tx.procurements.softDelete(procurement.id, now);
}

export const deleteProcurement = declaring(deleteProcurementOperation, async function deleteProcurement(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const procurement = await resolveChangeableProcurement(tx, accountId, reference);
    if (isFailure(procurement)) return procurement;
    await removeProcurement(context, tx, procurement, now);
    return null;
  });
});
