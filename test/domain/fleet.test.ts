// The fleet's pure rules: placement against a brute-force model and its invariants (never two
// runs on one node, never on a host that takes no instances, never on a host of another SKU, as
// many placed as there are free nodes), hosts' status, supplied node-time, and what a heartbeat's
// report leads to.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceleratorMatches, acceleratorRefusal, agentTimeOnAllotClock, heartbeatOvertaken, heartbeatStale, instanceTimesFromGuest, hostStatus, silentTooLong, maintenanceWindow, nextMinute, suppliedSchedule, takesInstances } from '../../src/domain/fleet/hosts.js';
import { type Placement, type PlacementHost, placeRuns, type WaitingRun } from '../../src/domain/fleet/placement.js';
import { judgeReport } from '../../src/domain/fleet/reports.js';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { valueAt } from '../../src/domain/kernel/schedule.js';

const skus = ['isku_a', 'isku_b', 'isku_c'];

const hostArbitrary = fc.record({
  id: fc.constantFrom<string>('host_1', 'host_2', 'host_3', 'host_4', 'host_5', 'host_6'),
  instanceSkuId: fc.constantFrom<string>(...skus),
  nodeCount: fc.integer({ min: 0, max: 4 }),
  takesInstances: fc.boolean(),
  occupied: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
});

const scenario = fc.tuple(
  fc.uniqueArray(hostArbitrary, { selector: (host) => host.id, maxLength: 6 }),
  fc.array(fc.record({ instanceId: fc.string({ minLength: 1, maxLength: 4 }), instanceSkuId: fc.constantFrom(...skus, 'isku_none') }), { maxLength: 16 }),
).map(([hosts, runs]) => [hosts, runs.map((run, index) => ({ ...run, instanceId: `inst_${index}` }))] as const);

/** The model: for each run in turn, every (host, node) that may take it, enumerated, and the least by load, host id, node. */
function model(hosts: readonly PlacementHost[], runs: readonly WaitingRun[]): Placement[] {
  const taken = new Map(hosts.map((host) => [host.id, new Set(host.occupied.filter((index) => index < host.nodeCount))]));
  const placements: Placement[] = [];
  for (const run of runs) {
    const options: { host: PlacementHost; node: number; load: number }[] = [];
    for (const host of hosts) {
      if (!host.takesInstances || host.instanceSkuId !== run.instanceSkuId) continue;
      for (let node = 0; node < host.nodeCount; node++) if (!taken.get(host.id)!.has(node)) options.push({ host, node, load: taken.get(host.id)!.size });
    }
    options.sort((a, b) => a.load - b.load || (a.host.id < b.host.id ? -1 : a.host.id > b.host.id ? 1 : 0) || a.node - b.node);
    const best = options[0];
    if (best === undefined) continue;
    taken.get(best.host.id)!.add(best.node);
    placements.push({ instanceId: run.instanceId, hostId: best.host.id, nodeIndex: best.node });
  }
  return placements;
}

describe('placement on hosts', () => {
  it('agrees with the brute-force model', () => {
    fc.assert(fc.property(scenario, ([hosts, runs]) => {
      expect(placeRuns(hosts, runs)).toEqual(model(hosts, runs));
    }), { numRuns: 500 });
  });

  it('never puts two runs on one node, nor any on a host that takes none or is of another SKU, and places all it can', () => {
    fc.assert(fc.property(scenario, ([hosts, runs]) => {
      const placements = placeRuns(hosts, runs);
      const byId = new Map(hosts.map((host) => [host.id, host]));
      const skuOf = new Map(runs.map((run) => [run.instanceId, run.instanceSkuId]));
      const nodes = new Set<string>();
      for (const placement of placements) {
        const host = byId.get(placement.hostId)!;
        expect(host.takesInstances).toBe(true);
        expect(host.instanceSkuId).toBe(skuOf.get(placement.instanceId));
        expect(placement.nodeIndex).toBeGreaterThanOrEqual(0);
        expect(placement.nodeIndex).toBeLessThan(host.nodeCount);
        expect(host.occupied).not.toContain(placement.nodeIndex);
        const key = `${placement.hostId}/${placement.nodeIndex}`;
        expect(nodes.has(key)).toBe(false);
        nodes.add(key);
      }
      expect(new Set(placements.map((placement) => placement.instanceId)).size).toBe(placements.length);
      for (const sku of [...skus, 'isku_none']) {
        const free = hosts.filter((host) => host.takesInstances && host.instanceSkuId === sku).reduce((sum, host) => sum + host.nodeCount - new Set(host.occupied.filter((index) => index < host.nodeCount)).size, 0);
        const wanted = runs.filter((run) => run.instanceSkuId === sku).length;
        expect(placements.filter((placement) => skuOf.get(placement.instanceId) === sku)).toHaveLength(Math.min(free, wanted));
      }
    }), { numRuns: 500 });
  });

  it('chooses the least loaded host, then the smallest id, on its lowest free node', () => {
    const hosts: PlacementHost[] = [
      { id: 'host_b', instanceSkuId: 'isku_a', nodeCount: 2, takesInstances: true, occupied: [] },
      { id: 'host_a', instanceSkuId: 'isku_a', nodeCount: 2, takesInstances: true, occupied: [0] },
      { id: 'host_c', instanceSkuId: 'isku_a', nodeCount: 4, takesInstances: false, occupied: [] },
    ];
    const runs = ['inst_1', 'inst_2', 'inst_3', 'inst_4'].map((instanceId) => ({ instanceId, instanceSkuId: 'isku_a' }));
    expect(placeRuns(hosts, runs)).toEqual([
      { instanceId: 'inst_1', hostId: 'host_b', nodeIndex: 0 },
      { instanceId: 'inst_2', hostId: 'host_a', nodeIndex: 1 },
      { instanceId: 'inst_3', hostId: 'host_b', nodeIndex: 1 },
    ]);
  });
});

describe('hosts', () => {
  const up = { removedAt: null, downAt: null, cordonedAt: null, maintenanceStartAt: null, maintenanceEndAt: null };

  it('has one status at a time: removed, down, draining, cordoned, ready', () => {
    expect(hostStatus(up, 100)).toBe('ready');
    expect(hostStatus({ ...up, cordonedAt: 1 }, 100)).toBe('cordoned');
    expect(hostStatus({ ...up, cordonedAt: 1, maintenanceStartAt: 200, maintenanceEndAt: 300 }, 100)).toBe('draining');
    expect(hostStatus({ ...up, maintenanceStartAt: 60, maintenanceEndAt: 120 }, 120)).toBe('ready');
    expect(hostStatus({ ...up, downAt: 5, maintenanceStartAt: 60, maintenanceEndAt: 120 }, 100)).toBe('down');
    expect(hostStatus({ ...up, removedAt: 5, downAt: 5 }, 100)).toBe('removed');
  });

  it('is down once its heartbeat is older than down_after, and takes instances only when ready and fresh', () => {
    expect(heartbeatStale(100, 130, 30)).toBe(false);
    expect(heartbeatStale(100, 131, 30)).toBe(true);
    expect(takesInstances({ ...up, lastHeartbeatAt: 100 }, 130, 30)).toBe(true);
    expect(takesInstances({ ...up, lastHeartbeatAt: 100 }, 131, 30)).toBe(false);
    expect(takesInstances({ ...up, cordonedAt: 1, lastHeartbeatAt: 100 }, 100, 30)).toBe(false);
  });

  it('never holds against a host the time allot was not watching', () => {
    // Silent since 100, allot watching again since 200: down only once 30 s have passed since 200.
    expect(silentTooLong(100, 200, 230, 30)).toBe(false);
    expect(silentTooLong(100, 200, 231, 30)).toBe(true);
    // A heartbeat after allot's return counts from itself.
    expect(silentTooLong(215, 200, 245, 30)).toBe(false);
    expect(silentTooLong(215, 200, 246, 30)).toBe(true);
    fc.assert(fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(20_000), fc.integer({ min: 1, max: 600 }), (heartbeat, watching, now, downAfter) => {
      // Silent too long exactly when neither the heartbeat nor allot's return is within down_after.
      expect(silentTooLong(heartbeat, watching, now, downAfter)).toBe(heartbeatStale(heartbeat, now, downAfter) && heartbeatStale(watching, now, downAfter));
    }));
  });

  it('takes maintenance windows of whole minutes that end in the future', () => {
    expect(maintenanceWindow(120, 240, 100)).toEqual({ startAt: 120, endAt: 240 });
    expect(maintenanceWindow(60, 240, 100)).toEqual({ startAt: 60, endAt: 240 });
    for (const [start, end] of [[121, 240], [120, 241], [240, 120], [0, 60]] as const) expect(isFailure(maintenanceWindow(start, end, 100))).toBe(true);
  });

  it('supplies its nodes from the next minute on, less its window', () => {
    expect(nextMinute(120)).toBe(180);
    expect(nextMinute(121)).toBe(180);
    const schedule = suppliedSchedule(4, 180, { startAt: 600, endAt: 900 });
    expect([valueAt(schedule, 120), valueAt(schedule, 180), valueAt(schedule, 599), valueAt(schedule, 600), valueAt(schedule, 899), valueAt(schedule, 900), valueAt(schedule, 10 ** 9)]).toEqual([0, 4, 4, 0, 0, 4, 4]);
    const during = suppliedSchedule(4, 180, { startAt: 60, endAt: 900 });
    expect([valueAt(during, 180), valueAt(during, 900)]).toEqual([0, 4]);
  });
});

describe('accelerators against the SKU', () => {
  it('matches the SKU\'s model among the words of the name the agent reports', () => {
    for (const name of ['H100', 'h100', 'NVIDIA H100 80GB HBM3', 'NVIDIA H100 NVL', 'nvidia-h100-sxm5']) expect(acceleratorMatches(name, 'h100'), name).toBe(true);
    for (const name of ['H200', 'GH100X', 'NVIDIA A100-SXM4-80GB', 'h1000', '']) expect(acceleratorMatches(name, 'h100'), name).toBe(false);
    expect(acceleratorMatches('NVIDIA H100 SXM5', 'H100 SXM5')).toBe(true);
    expect(acceleratorMatches('NVIDIA H100 PCIe', 'h100-sxm5')).toBe(false);
  });

  it('takes exactly the SKU\'s model and count per node, and nothing else', () => {
    const sku = { accelerator: 'h100', num_accelerators: 8 };
    fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 }), fc.boolean(), (nodes, counts, renamed) => {
      const accelerators = counts.map((count, index) => ({ model: renamed ? `NVIDIA H100 80GB HBM3 #${index}` : 'H100', count }));
      const total = counts.reduce((sum, count) => sum + count, 0);
      const refusal = acceleratorRefusal(sku, nodes, accelerators);
      expect(refusal === null).toBe(total === 8 * nodes);
      // Any other model in the list is refused, whatever the count.
      expect(acceleratorRefusal(sku, nodes, [...accelerators, { model: 'A100', count: 1 }])).not.toBeNull();
    }));
    expect(acceleratorRefusal(sku, 1, [])).toMatchObject({ failure: 'invalid_request', details: [{ field: 'accelerators', code: 'count_mismatch' }] });
    expect(acceleratorRefusal({ accelerator: null, num_accelerators: null }, 3, [{ model: 'L4', count: 1 }])).toBeNull();
    expect(acceleratorRefusal({ accelerator: null, num_accelerators: 0 }, 3, [])).toBeNull();
    expect(acceleratorRefusal({ accelerator: null, num_accelerators: 0 }, 3, [{ model: 'L4', count: 1 }])).not.toBeNull();
    expect(acceleratorRefusal({ accelerator: 'h100', num_accelerators: null }, 3, [{ model: 'H100', count: 1 }])).toBeNull();
    expect(acceleratorRefusal({ accelerator: 'h100', num_accelerators: null }, 3, [])).not.toBeNull();
  });
});

describe('agent time and allot\'s clock', () => {
  it('reads a reported time as its age at the send time, counted back from allot\'s now, within [floor, now]', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: 2000 }), (sentAt, age, now, back) => {
      const floor = now - back;
      const placed = agentTimeOnAllotClock(sentAt - age, sentAt, now, floor);
      expect(placed).toBeGreaterThanOrEqual(floor);
      expect(placed).toBeLessThanOrEqual(now);
      if (age >= 0 && age <= back) expect(placed).toBe(now - age);
    }));
    expect(heartbeatOvertaken(10, 11)).toBe(true);
    expect(heartbeatOvertaken(11, 11)).toBe(false);
    expect(heartbeatOvertaken(null, 11)).toBe(false);
    expect(heartbeatOvertaken(10, null)).toBe(false);
  });

  it('starts an instance when its guest started, and ends it at the earlier of allot\'s end and its guest\'s', () => {
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: null }, { startedAt: 130, endedAt: null })).toEqual({ startedAt: 130 });
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: null }, { startedAt: 90, endedAt: null })).toEqual({});
    expect(instanceTimesFromGuest({ startedAt: null, endedAt: null }, { startedAt: 90, endedAt: null })).toEqual({});
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: 200 }, { startedAt: 130, endedAt: 180 })).toEqual({ startedAt: 130, endedAt: 180 });
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: 200 }, { startedAt: null, endedAt: 230 })).toEqual({});
    // Never ends before it started, nor starts after it ended.
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: 200 }, { startedAt: 150, endedAt: 120 })).toEqual({ startedAt: 150, endedAt: 150 });
    expect(instanceTimesFromGuest({ startedAt: 100, endedAt: 200 }, { startedAt: 250, endedAt: null })).toEqual({});
  });
});

describe('heartbeat reports', () => {
  it('launches a run not yet seen, records what is reported, fails what vanished or ended unasked', () => {
    expect(judgeReport({ intent: 'run', state: 'requested' }, 'running', null)).toEqual({ answer: { action: 'run', launch: true }, record: null, failInstance: null });
    expect(judgeReport({ intent: 'run', state: 'requested' }, 'running', { state: 'starting', failure: null })).toEqual({ answer: { action: 'run', launch: false }, record: { state: 'starting', failure: null }, failInstance: null });
    expect(judgeReport({ intent: 'run', state: 'running' }, 'running', { state: 'running', failure: null })).toEqual({ answer: { action: 'run', launch: false }, record: null, failInstance: null });
    expect(judgeReport({ intent: 'run', state: 'running' }, 'running', null).failInstance).not.toBeNull();
    expect(judgeReport({ intent: 'run', state: 'running' }, 'running', { state: 'failed', failure: 'boom' })).toMatchObject({ record: { state: 'failed' }, failInstance: 'boom' });
  });

  it('stops what should not run until it has ended, then removes it while the agent has it', () => {
    expect(judgeReport({ intent: 'stop', state: 'running' }, 'terminated', { state: 'running', failure: null }).answer).toEqual({ action: 'stop', launch: false });
    expect(judgeReport({ intent: 'stop', state: 'running' }, 'terminated', { state: 'stopping', failure: null }).answer).toEqual({ action: 'stop', launch: false });
    expect(judgeReport({ intent: 'stop', state: 'running' }, 'terminated', { state: 'stopped', failure: null })).toMatchObject({ answer: { action: 'remove' }, record: { state: 'stopped' } });
    expect(judgeReport({ intent: 'stop', state: 'stopped' }, 'terminated', { state: 'stopped', failure: null })).toMatchObject({ answer: { action: 'remove' }, record: null });
    expect(judgeReport({ intent: 'stop', state: 'stopped' }, 'terminated', null)).toEqual({ answer: null, record: null, failInstance: null });
    expect(judgeReport({ intent: 'stop', state: 'requested' }, 'terminated', null)).toEqual({ answer: null, record: { state: 'stopped', failure: null }, failInstance: null });
    expect(judgeReport({ intent: 'run', state: 'failed' }, 'failed', { state: 'failed', failure: 'x' }).answer).toEqual({ action: 'remove', launch: false });
    expect(judgeReport({ intent: 'remove', state: 'stopped' }, 'terminated', { state: 'stopped', failure: null }).answer).toEqual({ action: 'remove', launch: false });
    expect(judgeReport({ intent: 'remove', state: 'stopped' }, 'terminated', null)).toEqual({ answer: null, record: { state: 'removed', failure: null }, failInstance: null });
    expect(judgeReport({ intent: 'remove', state: 'removed' }, 'terminated', null).answer).toBeNull();
  });
});
