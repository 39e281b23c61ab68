// Moving allocation through the ledger: the one way any pool's holding changes. Issuance and
// retirement are the operator's; transfers (and, later, order fills) move it between pools.

import { fail, type Failure, invalidField, isFailure } from '../domain/failures.js';
import { describeShortfall, type Shortfall, shortfall } from '../domain/ledger.js';
import { parseId } from '../domain/ids.js';
import { parseReference, resourceTypes } from '../domain/resource-paths.js';
import { add, floorToMinute, nextBoundary, parseRectangles, type RectangleInput, type Schedule, subtract } from '../domain/schedule.js';
import type { AllocationEntryRecord, InstanceSkuRecord, PoolView, Tx } from '../store/store.js';
import { type AppContext, newId } from './context.js';
import { reconcilePoolSku } from './reconciler.js';

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
  for (const { poolId } of keys) await reconcilePoolSku(context, tx, poolId, move.instanceSkuId, now);
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

export async function findInstanceSku(tx: Tx, reference: string, field = 'instance_sku'): Promise<InstanceSkuRecord | Failure> {
  const id = parseId('instanceSku', reference);
  const sku = id === null ? undefined : await tx.instanceSkus.findById(id);
  return sku ?? fail('instance_sku_not_found', `No instance SKU "${reference}"`, [{ field, code: 'not_found', message: `No instance SKU "${reference}"` }]);
}

/** The operator names any account's pool by id or resource path. */
async function resolvePoolForOperator(tx: Tx, reference: string): Promise<PoolView | Failure> {
  const parsed = parseReference(resourceTypes.pool, reference, false);
  let pool: PoolView | undefined;
  if (parsed?.by === 'id') pool = await tx.pools.findByIdForOperator(parsed.id);
  if (parsed?.by === 'path') {
    const workspace = await tx.workspaces.findByName(parsed.account, parsed.workspace!);
    pool = workspace === undefined ? undefined : await tx.pools.findByName(workspace.id, parsed.name);
  }
  return pool ?? fail('pool_not_found', `No pool "${reference}"`);
}

export interface OperatorAllocationInput {
  readonly pool: string;
  readonly instance_sku: string;
  readonly allocation_schedule: readonly RectangleInput[];
}

export interface OperatorAllocationResult {
  readonly entry: AllocationEntryRecord;
  readonly skuAlias: string;
}

/** The operator issues allocation into a pool (`issuance`) or retires it (`retirement`). */
export async function changeIssuedAllocation(context: AppContext, kind: 'issuance' | 'retirement', input: OperatorAllocationInput): Promise<OperatorAllocationResult | Failure> {
  const now = context.clock.now();
  const delta = parseDelta(input.allocation_schedule, 'allocation_schedule', now);
  if (isFailure(delta)) return delta;
  return context.store.transaction(async (tx) => {
    const pool = await resolvePoolForOperator(tx, input.pool);
    if (isFailure(pool)) return pool;
    const sku = await findInstanceSku(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    const move = { kind, instanceSkuId: sku.id, fromPoolId: kind === 'retirement' ? pool.id : null, toPoolId: kind === 'issuance' ? pool.id : null, delta, referenceId: null };
    const moved = await moveAllocation(context, tx, move, now);
    if ('shortfall' in moved) {
      const message = describeShortfall(pool.id, sku.id, moved.shortfall);
      return fail('insufficient_allocation', message, [{ field: 'allocation_schedule', code: 'insufficient_allocation', message }]);
    }
    return { entry: moved.entry, skuAlias: sku.alias };
  });
}
