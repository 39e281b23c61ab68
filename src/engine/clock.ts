// The operator's view of the clock: read it, and advance the manual clock. Under `--clock
// manual` time stands still until advanced; an advance processes every schedule boundary on the
// way, in order, and the new time is kept in the database so that a restart resumes from it.

import { ManualClock } from '../clock/manual-clock.js';
import { advanceClockOperation } from '../domain/operator/operations.js';
import { declaring } from '../app/kernel/declaring.js';
import type { ClockMode } from '../clock/clock.js';
import { fail, type Failure, invalidField } from '../domain/kernel/failures.js';
import { clockAdvanceSecondsMax } from '../domain/kernel/limits.js';
import { processBoundaries } from './boundaries.js';
import { saveManualClockTimeIn, storedManualClockTime } from '../app/operator/clock-setting.js';
import { catchUpProcurements } from '../app/market/procurement-runs.js';
import type { AppContext } from '../app/kernel/context.js';

export interface ClockReading {
  readonly mode: ClockMode;
  readonly now: number;
}

export function readClock(context: AppContext): ClockReading {
  return { mode: context.clock.mode, now: context.clock.now() };
}

/** The advance in progress on each manual clock: a new one waits for it (see advanceClock). */
const advancesInProgress = new WeakMap<ManualClock, Promise<unknown>>();

/**
 * Advances the manual clock by `seconds`, processing every boundary on the way at its own time,
 * in order. Each batch of work commits with the clock's new time, so that a process killed
 * mid-advance restarts with the clock where the work it committed stood. Advances sent while one
 * is running wait their turn and start from where it ended. Several processes over one PostgreSQL
 * database each keep their own manual clock; an advance starts from the stored time when another
 * process advanced it further, and no save lowers it, so the stored clock never goes back.
 */
export const advanceClock = declaring(advanceClockOperation, async function advanceClock(context: AppContext, seconds: number): Promise<ClockReading | Failure> {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > clockAdvanceSecondsMax) {
    return invalidField('seconds', 'out_of_range', `seconds must be a whole number from 1 to ${clockAdvanceSecondsMax}`);
  }
  const clock = context.clock;
  if (!(clock instanceof ManualClock)) return fail('clock_not_manual', 'The clock is real: only a manual clock (allot serve --clock manual) can be advanced');
  const previous = advancesInProgress.get(clock) ?? Promise.resolve();
  const advance = previous.catch(() => {}).then(() => advanceBy(context, clock, seconds));
  advancesInProgress.set(clock, advance);
  try {
    return await advance;
  } finally {
    if (advancesInProgress.get(clock) === advance) advancesInProgress.delete(clock);
  }
});

async function advanceBy(context: AppContext, clock: ManualClock, seconds: number): Promise<ClockReading> {
  const stored = await storedManualClockTime(context.store);
  if (stored !== undefined && stored > clock.now()) clock.set(stored);
  const target = clock.now() + seconds;
  await processBoundaries(
    context,
    target,
    (at) => {
      clock.set(Math.max(at, clock.now()));
      return clock.now();
    },
    (tx, time) => saveManualClockTimeIn(tx, time),
    true,
  );
  // Nothing stands skipped once the advance answers (a killed advance may have left some).
  await context.store.transaction(async (tx) => {
    await catchUpProcurements(context, tx, null, target);
    await saveManualClockTimeIn(tx, target);
  });
  clock.set(target);
  return readClock(context);
}
