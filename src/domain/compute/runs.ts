// Instance runs: what allot asked a driver to run, and what to do next so that what runs on the
// host matches what the store says. The reconciler records an intent in the transaction that
// starts or ends an instance (`run` or `stop`); a worker carries it out after the commit and
// records its effect. This is the decision the worker makes for one instance — after each commit,
// on each driver event and, for every instance at once, when allot starts — from three facts:
// the run record, the instance's status, and what the driver has on its host. It is the same
// decision every time, so a crash anywhere (between the start and its record, say) is repaired by
// making it again.

import type { InstanceStatus } from './placement.js';

/** What allot wants of the guest: that it runs, that it does not, or (its instance deleted) that nothing of it is left. */
export type RunIntent = 'run' | 'stop' | 'remove';

/**
 * What allot last recorded of the guest: `requested` (nothing done yet), the driver's states
 * (`starting`, `running`, `stopping`), the ended ones (`stopped`, `failed`), and `removed` (its
 * overlay, console and state deleted from the host).
 */
export type RecordedRunState = 'requested' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'removed';

/** What a driver says of a guest on its host. */
export type GuestState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RecordedRun {
  readonly intent: RunIntent;
  readonly state: RecordedRunState;
  /**
   * The place (another process's driver state directory, likely on another machine) where the
   * guest was claimed for launch, when it is not the deciding process's own: what runs there
   * cannot be seen from here. Null or absent when the guest is (to be) launched here.
   */
  readonly elsewhere?: string | null;
}

export interface ObservedGuest {
  readonly state: GuestState;
  readonly failure: string | null;
}

export type RunAction =
  /** Nothing was done yet: ask the driver to start the guest. */
  | { readonly kind: 'start' }
  /** The guest is there and wanted: record what the driver says of it. */
  | { readonly kind: 'record'; readonly state: 'starting' | 'running' | 'stopping' }
  /** The guest is there and not wanted (or allot never recorded it): ask the driver to stop it. */
  | { readonly kind: 'stop' }
  /** The guest ended as asked (or never started): record that. */
  | { readonly kind: 'record_ended'; readonly state: 'stopped' | 'failed'; readonly failure: string | null }
  /** The guest ended, or vanished, while its instance was running: the instance fails. */
  | { readonly kind: 'fail_instance'; readonly reason: string }
  /** An ended guest allot has no record of, or whose instance was deleted: delete what the driver kept. */
  | { readonly kind: 'forget' }
  /** Nothing of the deleted instance's guest is left: record that. */
  | { readonly kind: 'record_removed' };

const ended = (state: RecordedRunState | GuestState): boolean => state === 'stopped' || state === 'failed' || state === 'removed';

/** The reason a guest that was recorded as running but is not on its host gives its instance. */
export const guestMissingReason = 'the guest is gone from its host: allot recorded it as running, but its driver has no trace of it';

/** Why an instance whose launch another place had claimed fails: it cannot be told whether its guest started there. */
export function launchedElsewhereReason(place: string): string {
  return `allot lost its leadership while launching the guest at ${place}; the process that leads now cannot see that place, so it cannot tell whether the guest started there, and fails the instance rather than run it twice`;
}

/** Why an instance whose guest runs at a place the leader cannot see fails: no process watches it or can stop it. */
export function runsElsewhereReason(place: string): string {
  return `the guest runs at ${place}, whose allot process no longer leads; the process that leads now cannot see that place, so nothing would watch the guest or stop it`;
}

/** What a run left at a place the leader cannot see is recorded as once its instance ended: the process there stops the guest when it leads again. */
export function leftElsewhereReason(place: string): string {
  return `the instance ended while its guest was at ${place}, which the process that leads cannot see; an allot process there stops it once it leads`;
}

/**
 * What to do about one instance's guest, or null when everything agrees. `record` is null when
 * allot never asked for a guest; `instance` is null when the instance is unknown (deleted, or
 * another database's).
 */
export function decideRun(record: RecordedRun | null, instance: InstanceStatus | null, guest: ObservedGuest | null): RunAction | null {
  if (record === null) {
    if (guest === null) return null;
    return ended(guest.state) ? { kind: 'forget' } : { kind: 'stop' };
  }
  if (record.intent === 'remove') {
    if (guest !== null) return ended(guest.state) ? { kind: 'forget' } : { kind: 'stop' };
    return record.state === 'removed' ? null : { kind: 'record_removed' };
  }
  const elsewhere = record.elsewhere ?? null;
  if (elsewhere !== null) {
    // The recorded guest is at a place this process cannot see (the leader moved to another
    // machine): it is never launched a second time here. A guest here is not the recorded one.
    if (guest !== null) return ended(guest.state) ? { kind: 'forget' } : { kind: 'stop' };
    if (record.intent === 'run' && instance === 'running') return { kind: 'fail_instance', reason: record.state === 'starting' || record.state === 'requested' ? launchedElsewhereReason(elsewhere) : runsElsewhereReason(elsewhere) };
    if (ended(record.state)) return null;
    return { kind: 'record_ended', state: 'failed', failure: leftElsewhereReason(elsewhere) };
  }
  const wanted = record.intent === 'run' && instance === 'running';
  if (wanted) {
    // A launch cut short (allot died between asking for the guest and the guest's first process,
    // and its driver discarded what it had begun) is launched again: no guest ever ran for it. A
    // guest that ran and vanished fails its instance: what ran in it is lost.
    if (guest === null) return record.state === 'requested' || record.state === 'starting' ? { kind: 'start' } : { kind: 'fail_instance', reason: guestMissingReason };
    if (ended(guest.state)) return { kind: 'fail_instance', reason: guest.failure ?? 'the guest ended without being asked to' };
    return guest.state === record.state ? null : { kind: 'record', state: guest.state as 'starting' | 'running' | 'stopping' };
  }
  if (ended(record.state)) return guest !== null && !ended(guest.state) ? { kind: 'stop' } : null;
  if (guest === null) return { kind: 'record_ended', state: 'stopped', failure: null };
  if (ended(guest.state)) return { kind: 'record_ended', state: guest.state as 'stopped' | 'failed', failure: guest.failure };
  return { kind: 'stop' };
}

/** Whether a record still asks for work: a start not yet made, a stop or a removal not yet seen through. */
export function runPending(record: RecordedRun): boolean {
  if (record.intent === 'remove') return record.state !== 'removed';
  return record.intent === 'run' ? record.state === 'requested' : !ended(record.state);
}

/**
 * Whether a worker may record `next` over a record with this intent: `requested` is only ever
 * the reconciler's (a new intent), `removed` only a removal's, and a guest is started (or seen
 * running) only for an intent to run it.
 */
export function runStateMayFollow(intent: RunIntent, next: RecordedRunState): boolean {
  if (next === 'requested') return false;
  if (next === 'removed') return intent === 'remove';
  if (next === 'starting' || next === 'running') return intent === 'run';
  return true;
}
