// The rules for changing pools.

import { fail, type Failure } from '../kernel/failures.js';

export type PoolKind = 'market' | 'originating' | 'read_only';

/** What still depends on a pool; it can only be deleted when nothing does. */
export interface PoolDependencies {
  /** Whether the pool holds allocation at any minute from now on. */
  readonly futureAllocation: boolean;
  /** Instances awaiting allocation or running on the pool. */
  readonly liveInstances: number;
  /** Deployments (generic and spot) targeting the pool. */
  readonly deployments: number;
  /** Procurements targeting the pool, a spot deployment's included. */
  readonly procurements: number;
  /** Orders of the pool resting on the book. */
  readonly restingOrders: number;
}

/** Why a pool cannot be changed through the API, or null when it can. */
export function poolChangeRefusal(name: string, kind: PoolKind): Failure | null {
  if (kind === 'read_only') return fail('pool_read_only', `Pool "${name}" is read-only: it is managed by the system and cannot be changed through the API`);
  return null;
}

/** Why a pool cannot be deleted, or null when it can. Checked in this order. */
export function poolDeletionRefusal(name: string, kind: PoolKind, dependencies: PoolDependencies): Failure | null {
  const refusal = poolChangeRefusal(name, kind);
  if (refusal !== null) return refusal;
  const reasons = [
    dependencies.futureAllocation ? 'it holds allocation from now on (transfer or sell it first)' : null,
    dependencies.liveInstances > 0 ? `${dependencies.liveInstances} instance(s) are awaiting allocation or running on it` : null,
    dependencies.deployments > 0 ? `${dependencies.deployments} deployment(s) target it` : null,
    dependencies.procurements > 0 ? `${dependencies.procurements} procurement(s) target it` : null,
    dependencies.restingOrders > 0 ? `${dependencies.restingOrders} order(s) of it rest on the order book` : null,
  ].filter((reason) => reason !== null);
  if (reasons.length > 0) return fail('pool_has_dependencies', `Pool "${name}" has active dependencies: ${reasons.join('; ')}`);
  return null;
}

/** Who may send allocation into a pool and take it out, by the pool's kind. */
export function transferRefusal(role: 'source' | 'destination', name: string, kind: PoolKind): Failure | null {
  if (kind === 'read_only') return poolChangeRefusal(name, kind);
  if (role === 'destination' && kind === 'originating') {
    return fail('pool_cannot_receive', `Pool "${name}" is an originating pool: it sells compute and cannot receive allocation`);
  }
  return null;
}
