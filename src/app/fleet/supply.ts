// Hosts as supply: where the operator has chosen a supply pool for a SKU, each of the SKU's hosts
// that is up issues its nodes into that pool from the next whole minute on, with no end (less its
// maintenance window); a host that goes down, is removed, or whose SKU stops supplying retires
// them from the next whole minute on. Level-triggered: `convergeHostSupply` compares what the
// host issues now (`supplyPoolId`, `supplyNodes`) with what it should, and moves the difference
// through the allocation ledger's issuance and retirement (`operatorMove`), so the audits hold.
// A retirement takes only what the pool still holds: node-time already sold stays sold.

import { operatorMove } from '../../domain/allocation/issuance.js';
import { hostUp, nextMinute, suppliedSchedule } from '../../domain/fleet/hosts.js';
import { emptySchedule, isZeroFrom, minimum, normalize, type Schedule } from '../../domain/kernel/schedule.js';
import type { HostView } from '../../store/fleet.js';
import type { Tx } from '../../store/store.js';
import { moveAllocation } from '../allocation/ledger.js';
import type { AppContext } from '../kernel/context.js';

type Window = { readonly startAt: number; readonly endAt: number } | null;

function windowOf(host: Pick<HostView, 'maintenanceStartAt' | 'maintenanceEndAt'>): Window {
  return host.maintenanceStartAt === null || host.maintenanceEndAt === null ? null : { startAt: host.maintenanceStartAt, endAt: host.maintenanceEndAt };
}

async function issue(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, delta: Schedule, now: number): Promise<void> {
  if (isZeroFrom(delta, 0)) return;
  await moveAllocation(context, tx, operatorMove('issuance', poolId, instanceSkuId, delta), now);
}

/** Retires `delta`, or as much of it as the pool still holds. */
async function retire(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, delta: Schedule, now: number): Promise<void> {
  const balance = await tx.allocation.balanceOf(poolId, instanceSkuId);
  const held = minimum(delta, balance?.schedule ?? emptySchedule);
  if (isZeroFrom(held, 0)) return;
  const moved = await moveAllocation(context, tx, operatorMove('retirement', poolId, instanceSkuId, held), now);
  if ('shortfall' in moved) throw new Error(`retiring what pool ${poolId} holds fell short: ${JSON.stringify(moved.shortfall)}`);
}

/** Brings what the host issues in line with what it should now; answers the host as it then is. */
export async function convergeHostSupply(context: AppContext, tx: Tx, host: HostView, now: number): Promise<HostView> {
  const pool = hostUp(host) ? await tx.fleet.supplyPoolOf(host.instanceSkuId) : null;
  const nodes = pool === null ? 0 : host.nodeCount;
  if (pool === host.supplyPoolId && nodes === host.supplyNodes) return host;
  const from = nextMinute(now);
  const window = windowOf(host);
  if (host.supplyPoolId !== null && host.supplyNodes > 0) await retire(context, tx, host.supplyPoolId, host.instanceSkuId, suppliedSchedule(host.supplyNodes, from, window), now);
  if (pool !== null && nodes > 0) await issue(context, tx, pool, host.instanceSkuId, suppliedSchedule(nodes, from, window), now);
  await tx.fleet.updateHost(host.id, { supplyPoolId: pool, supplyNodes: nodes });
  return { ...host, supplyPoolId: pool, supplyNodes: nodes };
}

/**
 * The host's maintenance window changes from `previous` to `next` (either null): a host that
 * supplies gives back the future part of the old window and retires the future part of the new.
 */
export async function changeSupplyWindow(context: AppContext, tx: Tx, host: HostView, previous: Window, next: Window, now: number): Promise<void> {
  if (host.supplyPoolId === null || host.supplyNodes === 0) return;
  const from = nextMinute(now);
  const part = (window: Window): Schedule | null => {
    if (window === null || window.endAt <= from) return null;
    return normalize([{ at: Math.max(from, window.startAt), count: host.supplyNodes }, { at: window.endAt, count: 0 }]);
  };
  const back = part(previous);
  if (back !== null) await issue(context, tx, host.supplyPoolId, host.instanceSkuId, back, now);
  const out = part(next);
  if (out !== null) await retire(context, tx, host.supplyPoolId, host.instanceSkuId, out, now);
}
