// Placing runs on hosts (the fleet's guest worker, engine/fleet.ts, calls it after commits that
// recorded run intents, and on a poll): under the fleet's lock, the runs placed nowhere are read,
// the hosts of their SKUs with their occupied nodes, and `placeRuns` (domain/fleet/placement.ts)
// says where each goes. A run whose instance no longer runs before it was placed is recorded as
// stopped (or removed) at once: there is nothing on any host to stop.

import { placeRuns } from '../../domain/fleet/placement.js';
import { type FleetSettings, takesInstances } from '../../domain/fleet/hosts.js';
import type { AppContext } from '../kernel/context.js';

/** Places what it can of the runs waiting for a host; answers how many runs it looked at. */
export async function placeWaitingRuns(context: AppContext, settings: FleetSettings, limit: number): Promise<number> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    await tx.fleet.lock();
    const waiting = await tx.fleet.unplacedRuns(limit);
    if (waiting.length === 0) return 0;
    const wanted = [];
    for (const run of waiting) {
      if (run.intent === 'run' && run.instanceStatus === 'running' && run.instanceSkuId !== null) wanted.push({ instanceId: run.instanceId, instanceSkuId: run.instanceSkuId });
      else await tx.fleet.recordReport(run.instanceId, run, { state: run.intent === 'remove' ? 'removed' : 'stopped', reportedAt: now });
    }
    const skus = [...new Set(wanted.map((run) => run.instanceSkuId))];
    const hosts = (await Promise.all(skus.map((sku) => tx.fleet.liveHosts(sku)))).flat();
    const occupied = await tx.fleet.occupiedNodes(hosts.map((host) => host.id));
    const placements = placeRuns(
      hosts.map((host) => ({
        id: host.id,
        instanceSkuId: host.instanceSkuId,
        nodeCount: host.nodeCount,
        takesInstances: takesInstances(host, now, settings.downAfterSeconds),
        occupied: occupied.filter((node) => node.hostId === host.id).map((node) => node.nodeIndex),
      })),
      wanted,
    );
    for (const placement of placements) await tx.fleet.placeRun(placement.instanceId, placement.hostId, placement.nodeIndex, now);
    return waiting.length;
  });
}
