// The operator's view of the clock: read it, and advance the manual clock. Under `--clock
// manual` time stands still until advanced; an advance processes every schedule boundary on the
// way, in order, and the new time is kept in the database so that a restart resumes from it.

import { ManualClock } from '../clock/manual-clock.js';
import { advanceClockOperation } from '../domain/operator/operations.js';
import { declaring } from '../app/kernel/declaring.js';
import type { ClockMode } from '../clock/clock.js';
import { fail, type Failure, invalidField } from '../domain/kernel/failures.js';
import { advanceDueTimesPerTransactionMax, advanceTransactionMillisMax, clockAdvanceSecondsMax } from '../domain/kernel/limits.js';
import { processBoundaries } from './boundaries.js';
import { saveManualClockTimeIn, storedManualClockTime } from '../app/operator/clock-setting.js';
import { catchUpProcurements } from '../app/market/procurement-runs.js';
import type { AppContext } from '../app/kernel/context.js';
import { ServerStopping } from '../app/kernel/stopping.js';
import type { HeldLock, Tx } from '../store/store.js';

export interface ClockReading {
  readonly mode: ClockMode;
  readonly now: number;
}

export function readClock(context: AppContext): ClockReading {
  return { mode: context.clock.mode, now: context.clock.now() };
}

/** The name of the lock an advance holds (Store.exclusively), across every process over the database. */
const advanceLockName = 'manual clock advance';

/**
 * Advances the manual clock by `seconds`, processing every boundary on the way at its own time,
 * in order. Each batch of work commits with the clock's new time, so that a process killed
 * mid-advance restarts with the clock where the work it committed stood; this process's clock
 * moves once a batch has committed. Advances take turns, also across processes over one
 * PostgreSQL database (Store.exclusively, an advisory lock held for the whole advance): one sent
 * while another runs waits, and starts from the stored time where that one ended. Several
 * processes each keep their own manual clock, which catches up with the stored one as it
 * advances. A lock lost mid-advance (PostgreSQL restarted) ends it with StoreUnavailable (503),
 * its work committed so far kept with the clock. So does a stop of the server (SIGINT, SIGTERM):
 * the batch under way rolls back and the advance answers 503, rather than holding the stop up
 * for as long as the rest would take.
 */
export const advanceClock = declaring(advanceClockOperation, async function advanceClock(context: AppContext, seconds: number): Promise<ClockReading | Failure> {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > clockAdvanceSecondsMax) {
    return invalidField('seconds', 'out_of_range', `seconds must be a whole number from 1 to ${clockAdvanceSecondsMax}`);
  }
  const clock = context.clock;
  if (!(clock instanceof ManualClock)) return fail('clock_not_manual', 'The clock is real: only a manual clock (allot serve --clock manual) can be advanced');
  const advance = () => context.store.exclusively(advanceLockName, (held) => advanceBy(context, clock, seconds, held));
  return context.stopping === undefined ? advance() : context.stopping.during(advance);
});

async function advanceBy(context: AppContext, clock: ManualClock, seconds: number, held: HeldLock): Promise<ClockReading> {
  // Under the lock the stored time is where the last advance, of whichever process, ended.
  const stored = await storedManualClockTime(context.store);
  if (stored !== undefined && stored > clock.now()) clock.set(stored);
  const target = clock.now() + seconds;
  const saveWithWork = async (tx: Tx, time: number) => {
    held.check();
    if (context.stopping?.requested === true) {
      throw new ServerStopping(`allot is stopping: the clock stands at ${clock.now()}, the work up to it done; advance the rest once allot is back`);
    }
    await saveManualClockTimeIn(tx, time);
    tx.afterCommit(() => clock.set(Math.max(time, clock.now())));
  };
  // A few due times a transaction, the clock saved with the last (DueTimeChain): the clock and its
  // work still commit together, step by step, and no transaction is long.
  const chain = { dueTimesMax: advanceDueTimesPerTransactionMax, millisMax: advanceTransactionMillisMax };
  await processBoundaries(context, target, (at) => Math.max(at, clock.now()), saveWithWork, true, chain);
  // Nothing stands skipped once the advance answers (a killed advance may have left some).
  await context.store.transaction(async (tx) => {
    await catchUpProcurements(context, tx, null, target);
    await saveWithWork(tx, target);
  });
  return readClock(context);
}
