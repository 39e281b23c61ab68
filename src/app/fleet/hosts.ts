// The operator's hosts: list and read them, cordon and uncordon, drain with a maintenance window,
// remove; and choose, per SKU, whether hosts supply the market. Each change is made under the
// fleet's lock (tx.fleet.lock), so that placement never sees half of one.

import { endInstance } from '../compute/instances.js';
import { resolvePoolForOperator } from '../allocation/pools.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { hostNotFound, maintenanceWindow } from '../../domain/fleet/hosts.js';
import { type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import type { FleetRunRecord, HostView } from '../../store/fleet.js';
import type { Tx } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';
import { declared } from '../../domain/kernel/operations.js';
import { drainHostOperation, hostOperation, listHostsOperation, setSkuSupplyOperation } from '../../domain/fleet/operations.js';
import { changeSupplyWindow, convergeHostSupply } from './supply.js';

/** A host as reads show it: with the runs placed on it that have not ended, as of `now`. */
export interface HostReading {
  readonly host: HostView;
  readonly runs: readonly FleetRunRecord[];
  readonly now: number;
}

const endedStates = new Set(['stopped', 'failed', 'removed']);

export async function readHosts(tx: Tx, hosts: readonly HostView[], now: number): Promise<HostReading[]> {
  const runs = await tx.fleet.runsOnHosts(hosts.map((host) => host.id));
  return hosts.map((host) => ({ host, runs: runs.filter((run) => run.hostId === host.id && !endedStates.has(run.state)), now }));
}

async function readHost(tx: Tx, host: HostView, now: number): Promise<HostReading> {
  return (await readHosts(tx, [host], now))[0]!;
}

/** A page of the hosts not removed, newest first, read by `seq` from the store. */
export const listHosts = declaring(listHostsOperation, async function listHosts(context: AppContext, query: PageQuery): Promise<Page<HostReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.hosts, query);
  if (isFailure(page)) return page;
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const hosts = toPage(cursorPrefixes.hosts, page, await tx.fleet.pageLiveHosts(page));
    return { ...hosts, data: await readHosts(tx, hosts.data, now) };
  });
});

export async function getHost(context: AppContext, id: string): Promise<HostReading | Failure> {
  const now = context.clock.now();
  return declared(hostOperation, await context.store.read(async (tx) => {
    const host = await tx.fleet.findHost(id);
    if (host === undefined || host.removedAt !== null) return hostNotFound(id);
    return readHost(tx, host, now);
  }));
}

/** Ends every live instance whose run is on the host (`failed` when it broke, `terminated` for maintenance). */
export async function endInstancesOnHost(context: AppContext, tx: Tx, hostId: string, status: 'terminated' | 'failed', now: number): Promise<void> {
  for (const run of await tx.fleet.runsOnHosts([hostId])) {
    if (run.instanceStatus !== 'running') continue;
    const instance = await tx.instances.findByIdForOperator(run.instanceId);
    if (instance !== undefined) await endInstance(context, tx, instance, status, now);
  }
}

/** Runs one change of a live host under the fleet's lock, and answers the host as it then is. */
async function changeHost(context: AppContext, id: string, change: (tx: Tx, host: HostView, now: number) => Promise<Failure | null>, op = hostOperation): Promise<HostReading | Failure> {
  const now = context.clock.now();
  return declared(op, await context.store.transaction(async (tx) => {
    await tx.fleet.lock();
    const host = await tx.fleet.findHost(id);
    if (host === undefined || host.removedAt !== null) return hostNotFound(id);
    const refused = await change(tx, host, now);
    if (refused !== null) return refused;
    context.guestRuns?.requested();
    return readHost(tx, (await tx.fleet.findHost(id))!, now);
  }));
}

export function cordonHost(context: AppContext, id: string): Promise<HostReading | Failure> {
  return changeHost(context, id, async (tx, host, now) => {
    if (host.cordonedAt === null) await tx.fleet.updateHost(host.id, { cordonedAt: now });
    return null;
  });
}

/** Uncordons the host and ends its maintenance window, if any: it is ready again. */
export function uncordonHost(context: AppContext, id: string): Promise<HostReading | Failure> {
  return changeHost(context, id, async (tx, host, now) => {
    if (host.maintenanceStartAt !== null && host.maintenanceEndAt !== null) {
      await changeSupplyWindow(context, tx, host, { startAt: host.maintenanceStartAt, endAt: host.maintenanceEndAt }, null, now);
    }
    await tx.fleet.updateHost(host.id, { cordonedAt: null, maintenanceStartAt: null, maintenanceEndAt: null, maintenanceStarted: false });
    return null;
  });
}

export function drainHost(context: AppContext, id: string, input: { readonly start_at: number; readonly end_at: number }): Promise<HostReading | Failure> {
  return changeHost(context, id, async (tx, host, now) => {
    const window = maintenanceWindow(input.start_at, input.end_at, now);
    if (isFailure(window)) return window;
    const previous = host.maintenanceStartAt === null || host.maintenanceEndAt === null ? null : { startAt: host.maintenanceStartAt, endAt: host.maintenanceEndAt };
    await changeSupplyWindow(context, tx, host, previous, window, now);
    await tx.fleet.updateHost(host.id, { maintenanceStartAt: window.startAt, maintenanceEndAt: window.endAt, maintenanceStarted: false });
    // A window that has begun ends what runs on the host at once.
    if (window.startAt <= now) await startMaintenance(context, tx, host.id, now);
    return null;
  }, drainHostOperation);
}

/** A maintenance window has begun: what runs on the host ends (its deployments replace it elsewhere). */
export async function startMaintenance(context: AppContext, tx: Tx, hostId: string, now: number): Promise<void> {
  await tx.fleet.updateHost(hostId, { maintenanceStarted: true });
  await endInstancesOnHost(context, tx, hostId, 'terminated', now);
}

/** Removes the host: what runs on it fails, its supply is retired, its agent is refused from then on. */
export async function removeHost(context: AppContext, id: string): Promise<HostReading | Failure> {
  const now = context.clock.now();
  return declared(hostOperation, await context.store.transaction(async (tx) => {
    await tx.fleet.lock();
    const host = await tx.fleet.findHost(id);
    if (host === undefined || host.removedAt !== null) return hostNotFound(id);
    await endInstancesOnHost(context, tx, host.id, 'failed', now);
    await tx.fleet.updateHost(host.id, { removedAt: now });
    await convergeHostSupply(context, tx, { ...host, removedAt: now }, now);
    // Its runs end with it: nothing of them is left to do on a host that is gone.
    for (const run of await tx.fleet.runsOnHosts([host.id])) {
      if (!endedStates.has(run.state)) await tx.fleet.recordReport(run.instanceId, run, { state: 'failed', failure: run.failure ?? 'the host was removed', reportedAt: now });
    }
    context.guestRuns?.requested();
    const removed = (await tx.fleet.findHost(id))!;
    return { host: removed, runs: [], now };
  }));
}

export interface SupplySetting {
  readonly instanceSkuId: string;
  readonly instanceSkuAlias: string;
  readonly supplyPoolId: string | null;
}

/** Whether the SKU's hosts issue their node-time into `supply_pool` (an originating pool) from now on; null stops it. */
export async function setSkuSupply(context: AppContext, skuReference: string, input: { readonly supply_pool: string | null }): Promise<SupplySetting | Failure> {
  const now = context.clock.now();
  return declared(setSkuSupplyOperation, await context.store.transaction(async (tx) => {
    await tx.fleet.lock();
    const sku = await findInstanceSku(tx, skuReference);
    if (isFailure(sku)) return sku;
    let poolId: string | null = null;
    if (input.supply_pool !== null) {
      const pool = await resolvePoolForOperator(tx, input.supply_pool);
      if (isFailure(pool)) return pool;
      if (pool.kind !== 'originating') return invalidField('supply_pool', 'invalid_value', `Pool "${pool.name}" is a ${pool.kind} pool: hosts supply a provider's originating pool`);
      poolId = pool.id;
    }
    await tx.fleet.setSupplyPool(sku.id, poolId, now);
    for (const host of await tx.fleet.liveHosts(sku.id)) await convergeHostSupply(context, tx, host, now);
    return { instanceSkuId: sku.id, instanceSkuAlias: sku.alias, supplyPoolId: poolId };
  }));
}

export async function listSkuSupply(context: AppContext): Promise<SupplySetting[]> {
  return context.store.read(async (tx) => {
    const skus = new Map((await tx.instanceSkus.listAll()).map((sku) => [sku.id, sku.alias]));
    return (await tx.fleet.supplySettings()).map((setting) => ({ ...setting, instanceSkuAlias: skus.get(setting.instanceSkuId) ?? setting.instanceSkuId }));
  });
}
