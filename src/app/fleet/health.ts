// The fleet's time-driven work, led by one process (engine/fleet.ts): a host whose last heartbeat
// is older than `down_after` goes down (its instances fail, and their deployments replace them;
// its supply is retired from then on); a maintenance window that has begun ends what runs on its
// host; and every host's supply is brought in line with what it should be. Each host is judged in
// its own transaction under the fleet's lock, re-read there, so that a heartbeat that arrived
// meanwhile wins.

import { type FleetSettings, silentTooLong } from '../../domain/fleet/hosts.js';
import type { AppContext } from '../kernel/context.js';
import { endInstancesOnHost, startMaintenance } from './hosts.js';
import { unbackedDue } from '../../domain/fleet/shortfall.js';
import { convergeHostSupply } from './supply.js';

/**
 * Judges every live host at the clock's now; answers the ids of the hosts it marked down.
 * `watchingSince` is when (on allot's clock) the caller began judging without a break: no host
 * is silent for longer than that (domain/fleet/hosts.ts `silentTooLong`).
 */
export async function checkFleetHealth(context: AppContext, settings: FleetSettings, watchingSince: number): Promise<string[]> {
  const now = context.clock.now();
  const { hosts, pools } = await context.store.read(async (tx) => ({
    hosts: await tx.fleet.liveHosts(),
    pools: new Map((await tx.fleet.supplySettings()).map((setting) => [setting.instanceSkuId, setting.supplyPoolId])),
  }));
  const downed: string[] = [];
  for (const seen of hosts) {
    const due = (seen.downAt === null && silentTooLong(seen.lastHeartbeatAt, watchingSince, now, settings.downAfterSeconds))
      || (seen.maintenanceStartAt !== null && !seen.maintenanceStarted && seen.maintenanceStartAt <= now && (seen.maintenanceEndAt ?? 0) > now);
    const supply = pools.get(seen.instanceSkuId) ?? null;
    const supplyDue = (seen.downAt === null ? supply : null) !== seen.supplyPoolId || (supply !== null && seen.downAt === null && seen.supplyNodes !== seen.nodeCount) || unbackedDue(seen, now);
    if (!due && !supplyDue) continue;
    const marked = await context.store.transaction(async (tx) => {
      await tx.fleet.lock();
      let host = await tx.fleet.findHost(seen.id);
      if (host === undefined || host.removedAt !== null) return false;
      let down = false;
      if (host.downAt === null && silentTooLong(host.lastHeartbeatAt, watchingSince, now, settings.downAfterSeconds)) {
        await tx.fleet.updateHost(host.id, { downAt: now });
        host = { ...host, downAt: now };
        await endInstancesOnHost(context, tx, host.id, 'failed', now);
        down = true;
      }
      if (host.downAt === null && host.maintenanceStartAt !== null && !host.maintenanceStarted && host.maintenanceStartAt <= now && (host.maintenanceEndAt ?? 0) > now) {
        await startMaintenance(context, tx, host.id, now);
      }
      await convergeHostSupply(context, tx, host, now);
      return down;
    });
    if (marked) downed.push(seen.id);
  }
  if (downed.length > 0) context.guestRuns?.requested();
  return downed;
}
