// Procurements (`/preview/v2/procurements`): create, read, list, change and delete. What a
// procurement does, its runs, is procurement-runs.ts: creating or changing one runs it there.

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { createProcurementOperation, deleteProcurementOperation, getProcurementOperation, listProcurementsOperation, patchProcurementOperation } from '../../domain/market/operations.js';
import { declaring } from '../kernel/declaring.js';
import { managedWindowMinutesMax } from '../../domain/kernel/limits.js';
import { parseDollarsPerNodeHour } from '../../domain/kernel/money.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import type { ProcurementRecord, ProcurementView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { cancelRestingOrders, runProcurement } from './procurement-runs.js';
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
