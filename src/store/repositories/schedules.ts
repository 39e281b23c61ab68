// How schedules are stored: JSON arrays of `[at, count]` steps.

import { emptySchedule, type Schedule } from '../../domain/kernel/schedule.js';

/** The stored text of a schedule, written out directly: JSON.stringify of an array of step arrays
 * made and dropped two arrays per step, and four schedules are written by every pool transfer. A
 * schedule's times and counts are finite, where a number's text is the same as JSON's. */
export function encodeSchedule(schedule: Schedule): string {
  let text = '[';
  for (let index = 0; index < schedule.times.length; index++) {
    text += `${index === 0 ? '' : ','}[${schedule.times[index]},${schedule.counts[index]}]`;
  }
  return `${text}]`;
}

/** Reads a stored schedule. Stored schedules were canonical when written, so they are taken as
 * they are; reads are on every request's path. */
export function decodeSchedule(text: string): Schedule {
  const steps = JSON.parse(text) as [number, number][];
  if (steps.length === 0) return emptySchedule;
  const times = new Float64Array(steps.length);
  const counts = new Float64Array(steps.length);
  for (let index = 0; index < steps.length; index++) {
    times[index] = steps[index]![0];
    counts[index] = steps[index]![1];
  }
  return { times, counts };
}
