// The operator's own operations as its API shows them: the clock and the audit.

import type { ClockReading } from '../../engine/clock.js';

export function renderClock(clock: ClockReading) {
  return { object: 'clock' as const, mode: clock.mode, now: clock.now };
}

/** The audit's answer: sound when no invariant is broken. */
export function renderAudit(problems: string[]) {
  return { object: 'audit' as const, ok: problems.length === 0, problems };
}
