// How schedules are stored: JSON arrays of `[at, count]` steps.

import { normalize, type Schedule, stepsOf } from '../../domain/schedule.js';

export function encodeSchedule(schedule: Schedule): string {
  return JSON.stringify(stepsOf(schedule).map((step) => [step.at, step.count]));
}

export function decodeSchedule(text: string): Schedule {
  const steps = JSON.parse(text) as [number, number][];
  return normalize(steps.map(([at, count]) => ({ at, count })));
}
