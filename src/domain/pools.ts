// The rules for changing pools.

import { fail, type Failure } from './failures.js';

export type PoolKind = 'market' | 'originating' | 'read_only';

/** What still depends on a pool; it can only be deleted when nothing does. Later capabilities
 * (allocation, orders, instances, automations) add their counts here. */
export interface PoolDependencies {}

/** Why a pool cannot be changed through the API, or null when it can. */
export function poolChangeRefusal(name: string, kind: PoolKind): Failure | null {
  if (kind === 'read_only') return fail('pool_read_only', `Pool "${name}" is read-only: it is managed by the system and cannot be changed through the API`);
  return null;
}

/** Why a pool cannot be deleted, or null when it can. Checked in this order. */
export function poolDeletionRefusal(name: string, kind: PoolKind, _dependencies: PoolDependencies): Failure | null {
  return poolChangeRefusal(name, kind);
}
