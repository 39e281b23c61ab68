// The rules of a pool transfer (an account moving allocation of one SKU between two of its
// pools): the two pools must differ, each must allow its part (pools.ts, `transferRefusal`), and a
// well-formed transfer is executed or, when the source falls short at some minute from now,
// recorded as rejected with that minute and the shortfall.

import { type Failure, invalidField } from '../kernel/failures.js';
import { describeShortfall, type Shortfall } from './ledger.js';

export type PoolTransferStatus = 'pending' | 'executed' | 'rejected';

/** A transfer names two different pools. */
export function samePoolRefusal(fromPoolId: string, toPoolId: string): Failure | null {
  return fromPoolId === toPoolId ? invalidField('to_pool', 'same_pool', 'from_pool and to_pool are the same pool') : null;
}

/** What a transfer records once the ledger has answered: executed, or rejected with the shortfall. */
export function transferOutcome(fromPoolId: string, instanceSkuId: string, gap: Shortfall | null): { readonly status: PoolTransferStatus; readonly rejectedReason: string | null } {
  if (gap === null) return { status: 'executed', rejectedReason: null };
  return { status: 'rejected', rejectedReason: describeShortfall(fromPoolId, instanceSkuId, gap) };
}
