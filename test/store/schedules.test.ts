// A schedule's stored text (store/repositories/schedules.ts) is the JSON of its `[at, count]`
// steps, as JSON.stringify would write it, and reads back as the same schedule.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize, sameSchedule, stepsOf } from '../../src/domain/kernel/schedule.js';
import { decodeSchedule, encodeSchedule } from '../../src/store/repositories/schedules.js';

const steps = fc.array(fc.record({ at: fc.oneof(fc.integer({ min: -1e12, max: 1e12 }), fc.double({ noNaN: true, noDefaultInfinity: true })), count: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)) }), { maxLength: 8 });

describe('stored schedules', () => {
  it('are written as JSON.stringify writes their steps, and read back the same', () => {
    fc.assert(
      fc.property(steps, (given) => {
        const schedule = normalize([...given].sort((a, b) => a.at - b.at));
        const text = encodeSchedule(schedule);
        expect(text).toBe(JSON.stringify(stepsOf(schedule).map((step) => [step.at, step.count])));
        expect(sameSchedule(decodeSchedule(text), schedule)).toBe(true);
      }),
    );
  });
});
