// The guest worker's decision (domain/compute/runs.ts): a table of the cases that matter after a
// crash, and a property: from any mix of record, instance and guest, carrying out the decisions
// until there are none leaves a guest exactly where a running instance wants one, and nothing of a
// deleted instance's guest.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRun, guestMissingReason, launchedElsewhereReason, leftElsewhereReason, type ObservedGuest, type RecordedRun, type RunAction, runPending, runsElsewhereReason, runStateMayFollow } from '../../src/domain/compute/runs.js';
import type { InstanceStatus } from '../../src/domain/compute/placement.js';

const run = (state: RecordedRun['state'], intent: RecordedRun['intent'] = 'run'): RecordedRun => ({ intent, state });
const away = (state: RecordedRun['state'], intent: RecordedRun['intent'] = 'run'): RecordedRun => ({ intent, state, elsewhere: 'host-b/1' });
const guest = (state: ObservedGuest['state'], failure: string | null = null): ObservedGuest => ({ state, failure });

describe('decideRun', () => {
  it.each<[string, RecordedRun | null, InstanceStatus | null, ObservedGuest | null, RunAction | null]>([
    ['an intent not yet carried out: start', run('requested'), 'running', null, { kind: 'start' }],
    ['a launch cut short by a crash before its driver answered (the driver discarded it): launch again', run('requested'), 'running', null, { kind: 'start' }],
    ['recorded as starting, its launch cut short by a crash (the driver discarded it): launch again', run('starting'), 'running', null, { kind: 'start' }],
    ['started, but allot crashed before recording it: adopt', run('requested'), 'running', guest('running'), { kind: 'record', state: 'running' }],
    ['recorded as starting, now running: record', run('starting'), 'running', guest('running'), { kind: 'record', state: 'running' }],
    ['all agree', run('running'), 'running', guest('running'), null],
    ['recorded as running, gone from the host: the instance fails', run('running'), 'running', null, { kind: 'fail_instance', reason: guestMissingReason }],
    ['the guest died: the instance fails with its reason', run('running'), 'running', guest('failed', 'killed'), { kind: 'fail_instance', reason: 'killed' }],
    ['the guest stopped unasked: the instance fails', run('running'), 'running', guest('stopped'), { kind: 'fail_instance', reason: 'the guest ended without being asked to' }],
    ['terminated: stop the guest', run('running', 'stop'), 'terminated', guest('running'), { kind: 'stop' }],
    ['terminated and stopped: record it', run('running', 'stop'), 'terminated', guest('stopped'), { kind: 'record_ended', state: 'stopped', failure: null }],
    ['terminated before it ever started: nothing to stop', run('requested', 'stop'), 'terminated', null, { kind: 'record_ended', state: 'stopped', failure: null }],
    ['an instance that ended without its intent recorded: stop the guest', run('running'), 'terminated', guest('running'), { kind: 'stop' }],
    ['an unknown instance: stop its guest', run('running'), null, guest('starting'), { kind: 'stop' }],
    ['ended and recorded: nothing', run('stopped', 'stop'), 'terminated', guest('stopped'), null],
    ['a guest allot never recorded: stop it', null, null, guest('running'), { kind: 'stop' }],
    ['an ended guest allot never recorded: forget it', null, null, guest('failed', 'x'), { kind: 'forget' }],
    ['nothing anywhere', null, 'running', null, null],
    ['deleted, its guest ended: delete what it left', run('stopped', 'remove'), null, guest('stopped'), { kind: 'forget' }],
    ['deleted, nothing left: record that', run('stopped', 'remove'), null, null, { kind: 'record_removed' }],
    ['deleted and removed: nothing', run('removed', 'remove'), null, null, null],
    ['deleted while its guest still runs: stop it first', run('running', 'remove'), null, guest('running'), { kind: 'stop' }],
    ['claimed for launch at a place the leader cannot see (leadership lost mid-launch): fail, never launch twice', away('starting'), 'running', null, { kind: 'fail_instance', reason: launchedElsewhereReason('host-b/1') }],
    ['running at a place the leader cannot see: fail', away('running'), 'running', null, { kind: 'fail_instance', reason: runsElsewhereReason('host-b/1') }],
    ['failed for that, its guest still there: nothing here (the place stops it when it leads)', away('failed', 'stop'), 'failed', null, null],
    ['terminated while its guest is at another place: recorded failed, left to that place', away('running', 'stop'), 'terminated', null, { kind: 'record_ended', state: 'failed', failure: leftElsewhereReason('host-b/1') }],
    ['a guest here that is not the recorded one: stop it', away('running'), 'running', guest('running'), { kind: 'stop' }],
    ['deleted while at another place: record it removed here', away('failed', 'remove'), null, null, { kind: 'record_removed' }],
  ])('%s', (_name, record, instance, observed, expected) => {
    expect(decideRun(record, instance, observed)).toEqual(expected);
  });

  it('says which records still ask for work', () => {
    expect(runPending(run('requested'))).toBe(true);
    expect(runPending(run('running'))).toBe(false);
    expect(runPending(run('running', 'stop'))).toBe(true);
    expect(runPending(run('stopped', 'stop'))).toBe(false);
    expect(runPending(run('stopped', 'remove'))).toBe(true);
    expect(runPending(run('removed', 'remove'))).toBe(false);
  });

  const live = (observed: ObservedGuest | null) => observed !== null && observed.state !== 'stopped' && observed.state !== 'failed';

  it('converges: a guest runs exactly for a recorded, running instance', () => {
    const states = ['requested', 'starting', 'running', 'stopping', 'stopped', 'failed', 'removed'] as const;
    const arbitrary = fc.record({
      record: fc.option(fc.record({ intent: fc.constantFrom('run' as const, 'stop' as const, 'remove' as const), state: fc.constantFrom(...states), elsewhere: fc.constantFrom(null, 'host-b/1') }), { nil: null }),
      instance: fc.constantFrom<InstanceStatus | null>('running', 'terminated', 'failed', 'awaiting_allocation', null),
      guest: fc.option(fc.record({ state: fc.constantFrom('starting' as const, 'running' as const, 'stopped' as const, 'failed' as const), failure: fc.constant(null) }), { nil: null }),
    });
    fc.assert(
      fc.property(arbitrary, (start) => {
        let { record, instance, guest: observed } = start;
        for (let step = 0; ; step++) {
          expect(step).toBeLessThan(6);
          const action = decideRun(record, instance, observed);
          if (action === null) break;
          switch (action.kind) {
            case 'start':
              // Never for a guest claimed at another place: it may run there.
              expect(record?.elsewhere ?? null).toBeNull();
              observed = { state: 'running', failure: null };
              record = { intent: 'run', state: 'running', elsewhere: null };
              break;
            case 'record':
            case 'record_ended':
              record = { ...record!, state: action.state };
              break;
            case 'stop':
              observed = { state: 'stopped', failure: null };
              break;
            case 'fail_instance':
              instance = 'failed';
              record = { intent: 'stop', state: 'failed', elsewhere: record?.elsewhere ?? null };
              break;
            case 'forget':
              observed = null;
              break;
            case 'record_removed':
              record = { ...record!, state: 'removed' };
              break;
          }
        }
        const wanted = record !== null && record.intent === 'run' && instance === 'running' && (record.elsewhere ?? null) === null;
        // A guest claimed at another place never keeps its instance running from here.
        if (record !== null && (record.elsewhere ?? null) !== null) expect(record.intent === 'run' && instance === 'running').toBe(false);
        expect(live(observed)).toBe(wanted);
        if (record !== null) expect(runPending(record)).toBe(false);
        if (record?.intent === 'remove') expect(observed).toBeNull();
      }),
    );
  });
});

describe('runStateMayFollow', () => {
  it('lets a worker record only what its decisions record', () => {
    expect(runStateMayFollow('run', 'requested')).toBe(false);
    expect(runStateMayFollow('remove', 'removed')).toBe(true);
    expect(runStateMayFollow('stop', 'removed')).toBe(false);
    expect(runStateMayFollow('stop', 'running')).toBe(false);
    expect(runStateMayFollow('run', 'starting')).toBe(true);
    expect(runStateMayFollow('stop', 'stopped')).toBe(true);
    expect(runStateMayFollow('remove', 'failed')).toBe(true);
  });

  it('holds for every state decideRun asks to record', () => {
    const states = ['requested', 'starting', 'running', 'stopping', 'stopped', 'failed', 'removed'] as const;
    fc.assert(
      fc.property(
        fc.record({ intent: fc.constantFrom('run' as const, 'stop' as const, 'remove' as const), state: fc.constantFrom(...states), elsewhere: fc.constantFrom(null, 'host-b/1') }),
        fc.constantFrom<InstanceStatus | null>('running', 'terminated', 'failed', 'awaiting_allocation', null),
        fc.option(fc.record({ state: fc.constantFrom('starting' as const, 'running' as const, 'stopping' as const, 'stopped' as const, 'failed' as const), failure: fc.constant(null) }), { nil: null }),
        (record, instance, observed) => {
          const action = decideRun(record, instance, observed);
          const recorded = action?.kind === 'record' || action?.kind === 'record_ended' ? action.state : action?.kind === 'record_removed' ? 'removed' : null;
          if (recorded !== null) expect(runStateMayFollow(record.intent, recorded)).toBe(true);
        },
      ),
    );
  });
});
