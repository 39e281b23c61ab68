// The allocation ledger's pure rules (domain/allocation/): applying a move against a
// minute-by-minute model (conservation, no pool below zero from now, the past left alone),
// reading a delta (the past cannot move), the same-pool rule, a transfer's outcome and the
// operator's moves.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMove, parseDelta } from '../../src/domain/allocation/ledger.js';
import { operatorMove, retirementRefusal } from '../../src/domain/allocation/issuance.js';
import { samePoolRefusal, transferOutcome } from '../../src/domain/allocation/pool-transfers.js';
import { normalize, type Schedule, valueAt } from '../../src/domain/kernel/schedule.js';

const t0 = 1_800_000_000 - (1_800_000_000 % 60);
const minutes = 10;

function perMinute(counts: readonly number[]): Schedule {
  return normalize([...counts.map((count, i) => ({ at: t0 + i * 60, count })), { at: t0 + counts.length * 60, count: 0 }]);
}

function countsOf(schedule: Schedule): number[] {
  return Array.from({ length: minutes + 1 }, (_, i) => valueAt(schedule, t0 + i * 60));
}

describe('applyMove', () => {
  const countsArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: minutes, maxLength: minutes });

  it('moves a delta between two pools as the model does, or refuses at the first minute from now the source falls short', () => {
    fc.assert(
      fc.property(countsArb, countsArb, countsArb, fc.integer({ min: 0, max: minutes * 60 + 59 }), (source, destination, delta, offset) => {
        const now = t0 + offset;
        const currentIndex = Math.floor(offset / 60);
        const outcome = applyMove('transfer', perMinute(source), perMinute(destination), perMinute(delta), now);
        // The model: the first minute from the current one where the source minus the delta is negative.
        const short = source.findIndex((count, i) => i >= currentIndex && count - delta[i]! < 0);
        if (short >= 0) {
          expect(outcome).toEqual({ shortfall: { at: t0 + short * 60, holds: source[short], needs: delta[short] } });
          return;
        }
        if ('shortfall' in outcome) throw new Error('refused a move the source can afford');
        const from = countsOf(outcome.source!.schedule);
        const to = countsOf(outcome.destination!.schedule);
        for (let i = 0; i < minutes; i++) {
          expect(from[i]).toBe(source[i]! - delta[i]!);
          expect(to[i]).toBe(destination[i]! + delta[i]!);
          // Conserved: the two pools together hold what they held.
          expect(from[i]! + to[i]!).toBe(source[i]! + destination[i]!);
          if (i >= currentIndex) expect(from[i]).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('issues from outside and retires to outside, and names the next boundary of each balance', () => {
    const issued = applyMove('issuance', null, perMinute([0, 2]), perMinute([1, 1]), t0);
    expect(issued).toMatchObject({ source: null, destination: { nextBoundaryAt: t0 + 60 } });
    if ('shortfall' in issued) throw new Error('refused an issuance');
    expect(countsOf(issued.destination!.schedule).slice(0, 3)).toEqual([1, 3, 0]);
    const retired = applyMove('retirement', perMinute([1, 1]), null, perMinute([1, 1]), t0 + 30);
    expect(retired).toMatchObject({ source: { nextBoundaryAt: null }, destination: null });
    expect(applyMove('retirement', perMinute([1, 0]), null, perMinute([1, 1]), t0)).toEqual({ shortfall: { at: t0 + 60, holds: 0, needs: 1 } });
  });

  it('lets the past stay below zero: only minutes from the current one must be covered', () => {
    expect(applyMove('transfer', perMinute([0, 1]), perMinute([]), perMinute([1, 1]), t0 + 60)).not.toHaveProperty('shortfall');
    expect(applyMove('transfer', perMinute([0, 1]), perMinute([]), perMinute([1, 1]), t0 + 59)).toHaveProperty('shortfall');
  });

  it('asserts that a move has a source and a destination as its kind says', () => {
    expect(() => applyMove('transfer', null, perMinute([]), perMinute([1]), t0)).toThrow(/without a source/);
    expect(() => applyMove('issuance', perMinute([1]), perMinute([]), perMinute([1]), t0)).toThrow(/with a source/);
    expect(() => applyMove('retirement', perMinute([1]), perMinute([]), perMinute([1]), t0)).toThrow(/with a destination/);
    expect(() => applyMove('fill', perMinute([1]), null, perMinute([1]), t0)).toThrow(/without a destination/);
  });
});

describe('parseDelta', () => {
  it('reads rectangles from the current minute on: the past cannot move', () => {
    const now = t0 + 90;
    expect(countsOf(parseDelta([{ start_at: t0 + 60, end_at: t0 + 180, node_count: 2 }], 'delta', now) as Schedule).slice(0, 4)).toEqual([0, 2, 2, 0]);
    expect(parseDelta([{ start_at: t0, end_at: t0 + 180, node_count: 2 }], 'delta', now)).toMatchObject({
      failure: 'invalid_request',
      details: [{ field: 'delta.0.start_at', code: 'in_the_past' }],
    });
    expect(parseDelta([], 'delta', now)).toMatchObject({ failure: 'invalid_request', details: [{ field: 'delta', code: 'empty' }] });
  });
});

describe('pool transfers', () => {
  it('refuses a transfer from a pool to itself', () => {
    expect(samePoolRefusal('pool_a', 'pool_b')).toBeNull();
    expect(samePoolRefusal('pool_a', 'pool_a')).toMatchObject({ failure: 'invalid_request', details: [{ field: 'to_pool', code: 'same_pool' }] });
  });

  it('records a transfer executed, or rejected with the first minute its source falls short', () => {
    expect(transferOutcome('pool_a', 'sku_1', null)).toEqual({ status: 'executed', rejectedReason: null });
    const rejected = transferOutcome('pool_a', 'sku_1', { at: t0, holds: 1, needs: 3 });
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejectedReason).toMatch(/^Pool pool_a holds 1 node\(s\) of sku_1 at \d+ .*short by 2 from that minute\.$/);
  });
});

describe("the operator's moves", () => {
  it('issues into a pool from outside and retires out of it', () => {
    const delta = perMinute([1]);
    expect(operatorMove('issuance', 'pool_a', 'sku_1', delta)).toEqual({ kind: 'issuance', instanceSkuId: 'sku_1', fromPoolId: null, toPoolId: 'pool_a', delta, referenceId: null });
    expect(operatorMove('retirement', 'pool_a', 'sku_1', delta)).toEqual({ kind: 'retirement', instanceSkuId: 'sku_1', fromPoolId: 'pool_a', toPoolId: null, delta, referenceId: null });
    expect(retirementRefusal('pool_a', 'sku_1', { at: t0, holds: 0, needs: 1 })).toMatchObject({ failure: 'insufficient_allocation', details: [{ field: 'allocation_schedule', code: 'insufficient_allocation' }] });
  });
});
