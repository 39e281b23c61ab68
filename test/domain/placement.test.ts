// Placement against its rules, over random instance sets and allocations.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bereavedDeployments, compareKeepOrder, deploymentAdjustment, deploymentStep, expectedShutdownAt, instancePriorities, type Placeable, place, withoutDeletedAwaiting } from '../../src/domain/compute/placement.js';
import { normalize } from '../../src/domain/kernel/schedule.js';

const instanceArbitrary = fc.record({
  priority: fc.constantFrom(...instancePriorities),
  createdAt: fc.integer({ min: 0, max: 5 }),
  status: fc.constantFrom('awaiting_allocation', 'running', 'terminated', 'failed') as fc.Arbitrary<Placeable['status']>,
});

const scenario = fc
  .tuple(fc.array(instanceArbitrary, { maxLength: 14 }), fc.integer({ min: 0, max: 12 }))
  .map(([instances, allocation]) => ({ instances: instances.map((instance, index) => ({ ...instance, id: `inst_${String(index).padStart(2, '0')}` })), allocation }));

function apply(instances: readonly Placeable[], decision: { start: readonly string[]; terminate: readonly string[] }): Placeable[] {
  return instances.map((instance) =>
    decision.start.includes(instance.id) ? { ...instance, status: 'running' } : decision.terminate.includes(instance.id) ? { ...instance, status: 'terminated' } : instance,
  );
}

describe('placement', () => {
  it('never runs more instances than the allocation, and never restarts an ended one', () => {
    fc.assert(
      fc.property(scenario, ({ instances, allocation }) => {
        const decision = place(instances, allocation);
        const byId = new Map(instances.map((instance) => [instance.id, instance]));
        for (const id of decision.start) expect(byId.get(id)!.status).toBe('awaiting_allocation');
        for (const id of decision.terminate) expect(byId.get(id)!.status).toBe('running');
        const after = apply(instances, decision);
        const running = after.filter((instance) => instance.status === 'running');
        expect(running.length).toBeLessThanOrEqual(allocation);
      }),
    );
  });

  it('leaves no allocation idle while instances wait', () => {
    fc.assert(
      fc.property(scenario, ({ instances, allocation }) => {
        const live = instances.filter((instance) => instance.status === 'running' || instance.status === 'awaiting_allocation').length;
        const runningBefore = instances.filter((instance) => instance.status === 'running').length;
        const after = apply(instances, place(instances, allocation));
        const running = after.filter((instance) => instance.status === 'running').length;
        // Only a drop in allocation ends instances, so what was running beyond it is gone for good.
        expect(running).toBe(Math.min(allocation, runningBefore > allocation ? allocation : live));
      }),
    );
  });

  it('ends running instances from the end of the keep order when allocation drops', () => {
    fc.assert(
      fc.property(scenario, ({ instances, allocation }) => {
        const decision = place(instances, allocation);
        const running = instances.filter((instance) => instance.status === 'running').sort(compareKeepOrder);
        if (running.length <= allocation) return;
        const dropped = running.slice(allocation).map((instance) => instance.id);
        expect(decision.terminate.slice(0, dropped.length)).toEqual(dropped);
        // Beyond those, only a running yield instance ends, each to give way to one that starts.
        const gaveWay = decision.terminate.slice(dropped.length);
        expect(gaveWay.every((id) => instances.find((instance) => instance.id === id)!.priority === 'yield')).toBe(true);
        expect(decision.start).toHaveLength(gaveWay.length);
      }),
    );
  });

  it('lets a running yield instance give way to an awaiting instance of higher priority, and nothing else', () => {
    fc.assert(
      fc.property(scenario, ({ instances, allocation }) => {
        const after = apply(instances, place(instances, allocation));
        const stillWaiting = after.filter((instance) => instance.status === 'awaiting_allocation' && instance.priority !== 'yield');
        const yieldRunning = after.filter((instance) => instance.status === 'running' && instance.priority === 'yield');
        if (stillWaiting.length > 0) expect(yieldRunning).toEqual([]);
        // Non-yield running instances are ended only by a drop in allocation.
        const runningBefore = instances.filter((instance) => instance.status === 'running');
        if (runningBefore.length <= allocation) {
          const ended = runningBefore.filter((instance) => after.find((other) => other.id === instance.id)!.status === 'terminated');
          expect(ended.every((instance) => instance.priority === 'yield')).toBe(true);
        }
      }),
    );
  });

  it('starts awaiting instances in keep order', () => {
    const instances: Placeable[] = [
      { id: 'inst_a', priority: 'normal', createdAt: 1, status: 'awaiting_allocation' },
      { id: 'inst_b', priority: 'critical', createdAt: 2, status: 'awaiting_allocation' },
      { id: 'inst_c', priority: 'normal', createdAt: 0, status: 'awaiting_allocation' },
      { id: 'inst_d', priority: 'yield', createdAt: 0, status: 'awaiting_allocation' },
    ];
    expect(place(instances, 2)).toEqual({ start: ['inst_b', 'inst_c'], terminate: [] });
    expect(place(instances, 0)).toEqual({ start: [], terminate: [] });
  });

  it('drops the last yield instance, then lets the other give way to a waiting higher priority', () => {
    const instances: Placeable[] = [
      { id: 'inst_00', priority: 'yield', createdAt: 0, status: 'running' },
      { id: 'inst_01', priority: 'preferred', createdAt: 0, status: 'awaiting_allocation' },
      { id: 'inst_02', priority: 'yield', createdAt: 0, status: 'running' },
    ];
    expect(place(instances, 1)).toEqual({ start: ['inst_01'], terminate: ['inst_02', 'inst_00'] });
  });
});

describe('placement while a deployment is deleted', () => {
  it('never starts an awaiting instance of a deleted deployment, and still counts its running ones against the allocation', () => {
    const ofDeployment = fc.constantFrom<string | null>(null, 'depl_kept', 'depl_deleted');
    fc.assert(
      fc.property(scenario, fc.array(ofDeployment, { minLength: 14, maxLength: 14 }), ({ instances, allocation }, owners) => {
        const owned = instances.map((instance, index) => ({ ...instance, deploymentId: owners[index]! }));
        const placeable = withoutDeletedAwaiting(owned, new Set(['depl_deleted']));
        const decision = place(placeable, allocation);
        const byId = new Map(owned.map((instance) => [instance.id, instance]));
        for (const id of decision.start) expect(byId.get(id)!.deploymentId).not.toBe('depl_deleted');
        const after = apply(owned, decision);
        expect(after.filter((instance) => instance.status === 'running').length).toBeLessThanOrEqual(Math.max(0, allocation));
        // Only awaiting instances of the deleted deployment are set aside.
        expect(owned.filter((instance) => !placeable.includes(instance)).every((instance) => instance.deploymentId === 'depl_deleted' && instance.status === 'awaiting_allocation')).toBe(true);
      }),
    );
  });
});

describe('expected shutdown', () => {
  const t = 6000;
  const schedule = normalize([{ at: t + 60, count: 2 }, { at: t + 3660, count: 0 }]);

  it('is the first boundary where allocation falls below the rank', () => {
    expect(expectedShutdownAt(schedule, 1, t + 60)).toBe(t + 3660);
    expect(expectedShutdownAt(schedule, 2, t + 60)).toBe(t + 3660);
    const stepped = normalize([{ at: t, count: 3 }, { at: t + 600, count: 2 }, { at: t + 1200, count: 1 }, { at: t + 1800, count: 0 }]);
    expect([1, 2, 3].map((rank) => expectedShutdownAt(stepped, rank, t))).toEqual([t + 1800, t + 1200, t + 600]);
  });

  it('is null when allocation rises first, or never falls below the rank', () => {
    const rising = normalize([{ at: t, count: 1 }, { at: t + 600, count: 2 }, { at: t + 1200, count: 0 }]);
    expect(expectedShutdownAt(rising, 1, t)).toBeNull();
    expect(expectedShutdownAt(normalize([{ at: t, count: 2 }]), 2, t)).toBeNull();
  });
});

describe('deployment adjustment', () => {
  const liveScenario = fc
    .tuple(fc.array(instanceArbitrary.filter((instance) => instance.status === 'awaiting_allocation' || instance.status === 'running'), { maxLength: 10 }), fc.integer({ min: 0, max: 12 }))
    .map(([instances, target]) => ({ live: instances.map((instance, index) => ({ ...instance, id: `inst_${String(index).padStart(2, '0')}` })), target }));

  it('brings a deployment to its target, ending awaiting instances before running ones, each from the end of the keep order', () => {
    fc.assert(
      fc.property(liveScenario, ({ live, target }) => {
        const { create, end } = deploymentAdjustment(target, live);
        expect(live.length + create - end.length).toBe(target);
        expect(create === 0 || end.length === 0).toBe(true);
        const ended = live.filter((instance) => end.includes(instance.id));
        const kept = live.filter((instance) => !end.includes(instance.id));
        // A running instance ends only when no awaiting one is kept.
        if (ended.some((instance) => instance.status === 'running')) expect(kept.every((instance) => instance.status === 'running')).toBe(true);
        // Within a status, every ended instance comes after every kept one in keep order.
        for (const gone of ended) for (const stays of kept) if (gone.status === stays.status) expect(compareKeepOrder(stays, gone)).toBeLessThan(0);
      }),
    );
  });

  it('goes a batch at a time: each step creates or ends at most the batch, and the steps reach the target', () => {
    fc.assert(
      fc.property(liveScenario, fc.integer({ min: 1, max: 4 }), ({ live, target }, batch) => {
        let current = [...live];
        const { create: needed, end: surplus } = deploymentAdjustment(target, live);
        let steps = 0;
        for (;;) {
          const step = deploymentStep(target, current, batch);
          expect(step.create + step.end.length).toBeLessThanOrEqual(batch);
          // The step is the start of the whole adjustment, so the surplus ends in its order.
          expect(step.end).toEqual(deploymentAdjustment(target, current).end.slice(0, batch));
          current = [...current.filter((instance) => !step.end.includes(instance.id)), ...Array.from({ length: step.create }, (_, index): Placeable => ({ priority: 'normal', createdAt: 6 + steps, id: `inst_new_${steps}_${index}`, status: 'awaiting_allocation' }))];
          steps++;
          if (!step.more) break;
        }
        expect(current.length).toBe(target);
        expect(steps).toBe(Math.max(1, Math.ceil(Math.max(needed, surplus.length) / batch)));
      }),
    );
  });

  it('names the deployments that lost instances', () => {
    const instances = [
      { id: 'inst_1', deploymentId: 'depl_a' },
      { id: 'inst_2', deploymentId: null },
      { id: 'inst_3', deploymentId: 'depl_b' },
    ];
    expect([...bereavedDeployments(instances, ['inst_1', 'inst_2'])]).toEqual(['depl_a']);
    expect(bereavedDeployments(instances, []).size).toBe(0);
  });
});
