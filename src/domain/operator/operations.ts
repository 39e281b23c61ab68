// The operator's own operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The operator's operations on a context's records (pools,
// allocation, SKUs, credit, instances) are declared with that context's.

import { operation } from '../kernel/operations.js';

/** POST /admin/v1/clock/advance */
export const advanceClockOperation = operation('advance_clock', [
  // The request's form first, as the edge's schema checks it.
  ['invalid_request', 'seconds is not a whole number in range'],
  ['clock_not_manual', 'the clock is real'],
]);
