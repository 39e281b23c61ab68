// The operator's own operations as its API shows them: the clock, the audit and the health check.

import type { HealthReport } from '../../app/operator/observations.js';
import type { ClockReading } from '../../engine/clock.js';
import type { ResetResult } from '../../app/operator/reset.js';

export function renderClock(clock: ClockReading) {
  return { object: 'clock' as const, mode: clock.mode, now: clock.now };
}

/** The audit's answer: sound when no invariant is broken. */
export function renderAudit(problems: string[]) {
  return { object: 'audit' as const, ok: problems.length === 0, problems };
}

/** The health check: the store's kind and reachability, the clock, and leadership. */
export function renderHealth(health: HealthReport, version: string) {
  return {
    object: 'health' as const,
    status: health.healthy ? ('ok' as const) : ('unavailable' as const),
    version,
    store: { kind: health.store.kind, reachable: health.store.reachable },
    clock: { kind: health.clock.kind, now: health.clock.now },
    leadership: { leader: health.leader },
  };
}

/** A reset's answer: what was seeded, the demo token when there is one, and when. */
export function renderReset(result: ResetResult) {
  return { object: 'reset' as const, seed: result.seed, demo_token: result.demoToken, accounts: [...result.accounts], at: result.at };
}
