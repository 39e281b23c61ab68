// v0 contracts: what an account bought, each fill one contract, shown with its shape (the times its
// node count changes and the count from each) and its state at a moment: Upcoming before it
// starts, Active while it runs, Expired once it has ended. A list shows every state but Expired
// unless asked (`state=All`, or one state).

import { type Failure, invalidField } from '../kernel/failures.js';
import { type Schedule, stepsOf } from '../kernel/schedule.js';
import { isoSeconds } from './times.js';

export type ContractState = 'Upcoming' | 'Active' | 'Expired';
export type ContractStateFilter = ContractState | 'All' | 'Unexpired';

export const contractStates: readonly ContractState[] = ['Upcoming', 'Active', 'Expired'];

export function contractState(startAt: number, endAt: number, now: number): ContractState {
  if (now < startAt) return 'Upcoming';
  return now < endAt ? 'Active' : 'Expired';
}

/** The `state` filter, read as the CLI sends it (title case) or in any case; none means Unexpired. */
export function parseContractStateFilter(text: string | undefined): ContractStateFilter | Failure {
  if (text === undefined) return 'Unexpired';
  const match = [...contractStates, 'All' as const].find((state) => state.toLowerCase() === text.trim().toLowerCase());
  return match ?? invalidField('state', 'unknown_state', `state is one of All, Upcoming, Active, Expired, not "${text}"`);
}

/** The bounds on a contract's start and end a state filter stands for at `now` (after: exclusive; at or before: inclusive). */
export function contractBounds(filter: ContractStateFilter, now: number): { startAfter: number | null; startAtOrBefore: number | null; endAfter: number | null; endAtOrBefore: number | null } {
  const none = { startAfter: null, startAtOrBefore: null, endAfter: null, endAtOrBefore: null };
  switch (filter) {
    case 'All':
      return none;
    case 'Unexpired':
      return { ...none, endAfter: now };
    case 'Upcoming':
      return { ...none, startAfter: now };
    case 'Active':
      return { ...none, startAtOrBefore: now, endAfter: now };
    case 'Expired':
      return { ...none, endAtOrBefore: now };
  }
}

/** A schedule as v0 shows it: each time its count changes, with the count from then (the last is 0). */
export function contractShape(schedule: Schedule): { intervals: string[]; quantities: number[] } {
  const steps = stepsOf(schedule);
  return { intervals: steps.map((step) => isoSeconds(step.at)), quantities: steps.map((step) => step.count) };
}
