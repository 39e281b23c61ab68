// The operator issues allocation into a pool (hardware registered, a contract granted) or retires
// it: the only ways allocation enters or leaves the system.

import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { parseDelta } from '../../domain/allocation/ledger.js';
import { operatorMove, type OperatorMoveKind, retirementRefusal } from '../../domain/allocation/issuance.js';
import { declared } from '../../domain/kernel/operations.js';
import { issueAllocationOperation, retireAllocationOperation } from '../../domain/allocation/operations.js';
import type { RectangleInput } from '../../domain/kernel/schedule.js';
import type { AllocationEntryRecord } from '../../store/allocation.js';
import type { AppContext } from '../kernel/context.js';
import { moveAllocation } from './ledger.js';
import { resolvePoolForOperator } from './pools.js';
import { findInstanceSku } from './instance-skus.js';

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
export async function changeIssuedAllocation(context: AppContext, kind: OperatorMoveKind, input: OperatorAllocationInput): Promise<OperatorAllocationResult | Failure> {
  const op = kind === 'issuance' ? issueAllocationOperation : retireAllocationOperation;
  const now = context.clock.now();
  const delta = parseDelta(input.allocation_schedule, 'allocation_schedule', now);
  if (isFailure(delta)) return declared(op, delta);
  return declared(op, await context.store.transaction(async (tx) => {
    const pool = await resolvePoolForOperator(tx, input.pool);
    if (isFailure(pool)) return pool;
    const sku = await findInstanceSku(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    const moved = await moveAllocation(context, tx, operatorMove(kind, pool.id, sku.id, delta), now);
    if ('shortfall' in moved) return retirementRefusal(pool.id, sku.id, moved.shortfall);
    return { entry: moved.entry, skuAlias: sku.alias };
  }));
}
