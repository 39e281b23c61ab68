// Hosts as supply: where the operator has chosen a supply pool for a SKU, each of the SKU's hosts
// that is up issues its nodes into that pool from the next whole minute on, with no end (less its
// maintenance window); a host that goes down, is removed, or whose SKU stops supplying retires
// them from the next whole minute on. Level-triggered: `convergeHostSupply` compares what the
// host issues now (`supplyPoolId`, `supplyNodes`) with what it should, and moves the difference
// through the allocation ledger's issuance and retirement (`operatorMove`), so the audits hold.
// A retirement takes what the pool still holds first (spare nodes of the SKU's other hosts: buyers
// keep their contracts, and their instances are placed there); node-time sold that no machine is
// left to back is *unbacked*, taken back from its holders and refunded (domain/fleet/shortfall.ts):
// a drained window's at once, a removed host's at once, a down host's an hour ahead at a time
// while it stays down (what it still has unbacked when it returns, it backs again).

import { operatorMove } from '../../domain/allocation/issuance.js';
import { hostUp, nextMinute, suppliedSchedule } from '../../domain/fleet/hosts.js';
import { reclaimAheadSeconds, reclaimUnbacked, refundsFor, unbackedDue } from '../../domain/fleet/shortfall.js';
import { add, clip, emptySchedule, isZeroFrom, minimum, normalize, type Schedule, subtract } from '../../domain/kernel/schedule.js';
import { ledgerKeys } from '../../domain/market/ledger-keys.js';
import type { HostView } from '../../store/fleet.js';
import type { Tx } from '../../store/store.js';
import { moveAllocation } from '../allocation/ledger.js';
import type { AppContext } from '../kernel/context.js';
import { moveMoney, recordTransaction } from '../market/money.js';


type Window = { readonly startAt: number; readonly endAt: number } | null;

function windowOf(host: Pick<HostView, 'maintenanceStartAt' | 'maintenanceEndAt'>): Window {
  return host.maintenanceStartAt === null || host.maintenanceEndAt === null ? null : { startAt: host.maintenanceStartAt, endAt: host.maintenanceEndAt };
}

async function issue(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, delta: Schedule, now: number): Promise<void> {
  if (isZeroFrom(delta, 0)) return;
  await moveAllocation(context, tx, operatorMove('issuance', poolId, instanceSkuId, delta), now);
}

/** Retires `delta`, or as much of it as the pool still holds; answers the rest (sold). */
async function retire(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, delta: Schedule, now: number): Promise<Schedule> {
  const balance = await tx.allocation.balanceOf(poolId, instanceSkuId);
  const held = minimum(delta, balance?.schedule ?? emptySchedule);
  if (isZeroFrom(held, 0)) return delta;
  const moved = await moveAllocation(context, tx, operatorMove('retirement', poolId, instanceSkuId, held), now);
  if ('shortfall' in moved) throw new Error(`retiring what pool ${poolId} holds fell short: ${JSON.stringify(moved.shortfall)}`);
  return subtract(delta, held);
}

/**
 * Takes `unbacked` over [from, to) back from the pools that hold the SKU (the supply pool aside:
 * it holds none of it), a pool's idle nodes first (domain/fleet/shortfall.ts), and refunds each
 * holder's account what its contracts paid for what is taken, as a credit from the operator.
 */
async function reclaimFromHolders(context: AppContext, tx: Tx, host: HostView, supplyPoolId: string | null, unbacked: Schedule, from: number, to: number | null, now: number): Promise<void> {
  if (isZeroFrom(unbacked, from)) return;
  const running = new Map((await tx.instances.runningCounts()).filter((group) => group.instanceSkuId === host.instanceSkuId).map((group) => [group.poolId, group.running]));
  const holdings = (await tx.fleet.holdingsOf(host.instanceSkuId)).filter((holding) => holding.poolId !== supplyPoolId);
  const accounts = new Map(holdings.map((holding) => [holding.poolId, holding.accountId]));
  const reclaims = reclaimUnbacked(unbacked, holdings.map((holding) => ({ poolId: holding.poolId, balance: clip(holding.balance, from, null), running: running.get(holding.poolId) ?? 0 })), from, to);
  for (const reclaim of reclaims) {
    const moved = await moveAllocation(context, tx, operatorMove('retirement', reclaim.poolId, host.instanceSkuId, reclaim.take), now);
    if ('shortfall' in moved) throw new Error(`taking back unbacked node-time from pool ${reclaim.poolId} fell short: ${JSON.stringify(moved.shortfall)}`);
    const refunds = refundsFor(reclaim.take, await tx.fleet.contractsInto(reclaim.poolId, host.instanceSkuId));
    const micros = refunds.reduce((sum, refund) => sum + refund.micros, 0);
    if (micros === 0) continue;
    const accountId = accounts.get(reclaim.poolId)!;
    await tx.money.lock([ledgerKeys.granted, ledgerKeys.cash(accountId), ledgerKeys.held(accountId)]);
    for (const refund of refunds) {
      if (refund.micros > 0) await moveMoney(context, tx, { from: ledgerKeys.granted, to: ledgerKeys.cash(accountId), amountMicros: refund.micros, reason: 'fleet_refund', contractId: refund.contractId }, now);
    }
    const nodeHours = refunds.reduce((sum, refund) => sum + refund.nodeSeconds, 0) / 3600;
    await recordTransaction(context, tx, accountId, 'refund', micros, now, { memo: `Refund: ${nodeHours} node-hours of ${host.instanceSkuAlias} that host ${host.id} cannot deliver` });
  }
}

/**
 * Takes back the part of the host's unbacked node-time that is due: all of it once the host is
 * removed, else up to an hour ahead — first from spare node-time the supply pool holds by then (a
 * host that registered since), then from its holders. Answers the host as it then is.
 */
export async function settleUnbacked(context: AppContext, tx: Tx, host: HostView, now: number): Promise<HostView> {
  if (!unbackedDue(host, now)) return host;
  const from = nextMinute(now);
  const to = host.removedAt !== null ? null : from + reclaimAheadSeconds;
  // What is past (the leader was away longer than the hour ahead) can no longer be taken back.
  const due = clip(host.unbacked, from, to);
  const later = to === null ? emptySchedule : clip(host.unbacked, to, null);
  const supplyPoolId = await tx.fleet.supplyPoolOf(host.instanceSkuId);
  const rest = supplyPoolId === null || isZeroFrom(due, 0) ? due : await retire(context, tx, supplyPoolId, host.instanceSkuId, due, now);
  await reclaimFromHolders(context, tx, host, supplyPoolId, rest, from, to, now);
  const changes = { unbacked: later, reclaimedUntil: to ?? from };
  await tx.fleet.updateHost(host.id, changes);
  return { ...host, ...changes };
}

/** Brings what the host issues in line with what it should now; answers the host as it then is. */
export async function convergeHostSupply(context: AppContext, tx: Tx, host: HostView, now: number): Promise<HostView> {
  const pool = hostUp(host) ? await tx.fleet.supplyPoolOf(host.instanceSkuId) : null;
  const nodes = pool === null ? 0 : host.nodeCount;
  if (pool === host.supplyPoolId && nodes === host.supplyNodes) return settleUnbacked(context, tx, host, now);
  const from = nextMinute(now);
  const window = windowOf(host);
  let unbacked = host.unbacked;
  let reclaimedUntil = host.reclaimedUntil;
  // What the host sold from the pool it supplied and still backs with its machines: a host that
  // stays up (its SKU's supply pool changed, or its node count) goes on backing it.
  let stillBacked = emptySchedule;
  if (host.supplyPoolId !== null && host.supplyNodes > 0) {
    const sold = await retire(context, tx, host.supplyPoolId, host.instanceSkuId, suppliedSchedule(host.supplyNodes, from, window), now);
    // Down or removed: what it sold has no machine behind it. (A SKU that stops supplying keeps its
    // hosts, which go on backing what they sold.)
    if (hostUp(host)) stillBacked = sold;
    else unbacked = add(clip(unbacked, from, null), sold);
  }
  if (pool !== null && nodes > 0) {
    // What is sold (unbacked while it was down, or sold from the pool it supplied before) the host
    // backs instead of issuing it anew: its nodes are issued once.
    const supplied = suppliedSchedule(nodes, from, window);
    const offered = subtract(supplied, minimum(add(clip(unbacked, from, null), stillBacked), supplied));
    await issue(context, tx, pool, host.instanceSkuId, offered, now);
    unbacked = emptySchedule;
    reclaimedUntil = null;
  }
  const changes = { supplyPoolId: pool, supplyNodes: nodes, unbacked, reclaimedUntil };
  await tx.fleet.updateHost(host.id, changes);
  return settleUnbacked(context, tx, { ...host, ...changes }, now);
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
  if (out === null) return;
  // A window is known ahead: what it leaves unbacked is taken back (and refunded) at once.
  const sold = await retire(context, tx, host.supplyPoolId, host.instanceSkuId, out, now);
  await reclaimFromHolders(context, tx, host, host.supplyPoolId, sold, from, null, now);
}
