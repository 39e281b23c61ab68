// What the server does with one instance in a heartbeat: the agent reports what its drivers have
// (or nothing, for an instance it lacks), and the server, knowing the run placed on that host and
// the instance's status, decides what to record and what to answer. It is the local guest worker's
// decision (`decideRun`, domain/compute/runs.ts), with the driver's view replaced by the report and
// each driver call replaced by an answer the agent carries out.

import { decideRun, type RecordedRun, type RecordedRunState } from '../compute/runs.js';
import type { InstanceStatus } from '../compute/placement.js';
import type { ReportedRunState } from './hosts.js';

export type AnswerAction = 'run' | 'stop' | 'remove';

export interface RunVerdict {
  /** What the answer says of the instance, or null to leave it out. `launch`: give its launch spec. */
  readonly answer: { readonly action: AnswerAction; readonly launch: boolean } | null;
  /** A state to record (with the report's failure), or null. */
  readonly record: { readonly state: RecordedRunState; readonly failure: string | null } | null;
  /** The instance fails, for this reason, or null. */
  readonly failInstance: string | null;
}

const ended = (state: RecordedRun['state']): boolean => state === 'stopped' || state === 'failed' || state === 'removed';

/**
 * The answer once the record is what it is: run while wanted; stop until it has ended; then
 * remove while the agent still has it (what its driver kept goes: the server has the console
 * output it was sent), and nothing once it is gone, so that a host's answers do not grow with
 * every instance it ever ran.
 */
function steadyAnswer(record: RecordedRun, instance: InstanceStatus | null, reported: boolean): RunVerdict['answer'] {
  if (record.intent === 'run' && instance === 'running' && !ended(record.state)) return { action: 'run', launch: record.state === 'requested' };
  if (record.intent !== 'remove' && !ended(record.state)) return { action: 'stop', launch: false };
  return reported ? { action: 'remove', launch: false } : null;
}

/**
 * Decides for one run placed on the reporting host. `reported` is what the agent said of the
 * instance, or null when its report did not name it.
 */
export function judgeReport(record: RecordedRun, instance: InstanceStatus | null, reported: { readonly state: ReportedRunState; readonly failure: string | null } | null): RunVerdict {
  const action = decideRun(record, instance, reported);
  const none = { answer: steadyAnswer(record, instance, reported !== null), record: null, failInstance: null };
  if (action === null) return none;
  switch (action.kind) {
    case 'start':
      return { answer: { action: 'run', launch: true }, record: null, failInstance: null };
    case 'record':
      return { answer: { action: 'run', launch: false }, record: { state: action.state, failure: null }, failInstance: null };
    case 'stop':
      return { answer: { action: record.intent === 'remove' ? 'remove' : 'stop', launch: false }, record: null, failInstance: null };
    case 'record_ended':
      return { answer: reported === null ? null : { action: 'remove', launch: false }, record: { state: action.state, failure: action.failure }, failInstance: null };
    case 'fail_instance':
      return { answer: { action: 'stop', launch: false }, record: { state: 'failed', failure: action.reason }, failInstance: action.reason };
    case 'forget':
      return { answer: { action: 'remove', launch: false }, record: null, failInstance: null };
    case 'record_removed':
      return { answer: null, record: { state: 'removed', failure: null }, failInstance: null };
  }
}
