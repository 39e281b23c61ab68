// How schedules are stored: JSON arrays of `[at, count]` steps.

import { emptySchedule, type Schedule, stepsOf } from '../../domain/kernel/schedule.js';

export function encodeSchedule(schedule: Schedule): string {
  return JSON.stringify(stepsOf(schedule).map((step) => [step.at, step.count]));
}

/** Reads a stored schedule. Stored schedules were canonical when written, so they are taken as
 * they are; reads are on every request's path. */
export function decodeSchedule(text: string): Schedule {
  const steps = JSON.parse(text) as [number, number][];
  if (steps.length === 0) return emptySchedule;
  const times = new Float64Array(steps.length);
  const counts = new Float64Array(steps.length);
  steps.forEach(([at, count], index) => {
    times[index] = at;
    counts[index] = count;
  });
  return { times, counts };
}
