// The operator's issuance and retirement: the only ways allocation enters or leaves the system.
// An issuance moves a delta from outside into a pool; a retirement takes one out of a pool, and
// is refused when the pool would go below zero at some minute from now.

import { fail, type Failure } from '../kernel/failures.js';
import type { Schedule } from '../kernel/schedule.js';
import { type AllocationMove, describeShortfall, type Shortfall } from './ledger.js';

export type OperatorMoveKind = 'issuance' | 'retirement';

/** The ledger entry the operator's change makes. */
export function operatorMove(kind: OperatorMoveKind, poolId: string, instanceSkuId: string, delta: Schedule): AllocationMove {
  return { kind, instanceSkuId, fromPoolId: kind === 'retirement' ? poolId : null, toPoolId: kind === 'issuance' ? poolId : null, delta, referenceId: null };
}

/** Why a retirement was refused: the pool does not hold what it takes, from the first such minute. */
export function retirementRefusal(poolId: string, instanceSkuId: string, gap: Shortfall): Failure {
  const message = describeShortfall(poolId, instanceSkuId, gap);
  return fail('insufficient_allocation', message, [{ field: 'allocation_schedule', code: 'insufficient_allocation', message }]);
}
