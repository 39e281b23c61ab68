// Reading schedules (node counts over time as [start_at, end_at) ranges, zero before the first
// and after an end) for charts and tables.

import type { Schedule } from '../api/types.ts';

export function nodesAt(schedule: Schedule, at: number): number {
  for (const entry of schedule) {
    if (entry.start_at <= at && (entry.end_at === null || at < entry.end_at)) return entry.node_count;
  }
  return 0;
}

/** Every time a schedule may change value: its entries' starts and ends. */
export function breakpoints(schedule: Schedule): number[] {
  return schedule.flatMap((entry) => (entry.end_at === null ? [entry.start_at] : [entry.start_at, entry.end_at]));
}

/** The fewest nodes at any moment of [startAt, endAt): what is there through the whole window. */
export function nodesThroughout(schedule: Schedule, startAt: number, endAt: number): number {
  const inside = breakpoints(schedule).filter((at) => at > startAt && at < endAt);
  return Math.min(...[startAt, ...inside].map((at) => nodesAt(schedule, at)));
}

/** The most nodes at any moment. */
export function peakNodes(schedule: Schedule): number {
  return Math.max(0, ...schedule.map((entry) => entry.node_count));
}

/** The schedule's non-zero ranges, as rows for a table. */
export function nonZeroSteps(schedule: Schedule): Schedule {
  return schedule.filter((entry) => entry.node_count !== 0);
}
