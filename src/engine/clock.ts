// The operator's view of the clock: read it, and advance the manual clock. Under `--clock
// manual` time stands still until advanced; an advance processes every schedule boundary on the
// way, in order, and the new time is kept in the database so that a restart resumes from it.

import { ManualClock } from '../clock/manual-clock.js';
import type { ClockMode } from '../clock/clock.js';
import { fail, type Failure, invalidField } from '../domain/kernel/failures.js';
import { clockAdvanceSecondsMax } from '../domain/kernel/limits.js';
import { processBoundaries } from './boundaries.js';
import { saveManualClockTime } from '../app/operator/clock-setting.js';
import type { AppContext } from '../app/kernel/context.js';

export interface ClockReading {
  readonly mode: ClockMode;
  readonly now: number;
}

export function readClock(context: AppContext): ClockReading {
  return { mode: context.clock.mode, now: context.clock.now() };
}

export async function advanceClock(context: AppContext, seconds: number): Promise<ClockReading | Failure> {
  const clock = context.clock;
  if (!(clock instanceof ManualClock)) return fail('clock_not_manual', 'The clock is real: only a manual clock (allot serve --clock manual) can be advanced');
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > clockAdvanceSecondsMax) {
    return invalidField('seconds', 'out_of_range', `seconds must be a whole number from 1 to ${clockAdvanceSecondsMax}`);
  }
  const target = clock.now() + seconds;
  // Every boundary on the way is processed at its own time, in order, before the advance returns.
  await processBoundaries(context, target, (at) => {
    clock.set(Math.max(at, clock.now()));
    return clock.now();
  });
  await saveManualClockTime(context.store, target);
  clock.set(target);
  return readClock(context);
}
