// Sold node-time a host can no longer back (domain/fleet/shortfall.ts): what each holder gives
// back and what it is refunded. Properties: allocation is conserved (the takes sum to what is
// unbacked, or to all that is held), no pool gives more than it holds, no running instance ends
// while an idle node is held anywhere, running instances never exceed what is left (the healthy
// capacity), and no refund exceeds what the contracts cost.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Holder, reclaimUnbacked, refundsFor, unbackedDue } from '../../src/domain/fleet/shortfall.js';
import { exactCostOf } from '../../src/domain/kernel/money.js';
import { emptySchedule, normalize, type Schedule, totalNodeSeconds, valueAt } from '../../src/domain/kernel/schedule.js';

const t0 = 1_800_000_000 - (1_800_000_000 % 60);
const minute = 60;

/** A schedule of up to four steps at whole minutes from t0, counts 0..6, ending (or not). */
const scheduleArbitrary = (ends: boolean) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 6 })), { maxLength: 4 }).map((steps) => {
    const sorted = [...new Map(steps.map(([at, count]) => [t0 + at * minute, count]))].sort((a, b) => a[0] - b[0]).map(([at, count]) => ({ at, count }));
    if (ends) sorted.push({ at: t0 + 9 * minute, count: 0 });
    return normalize(sorted);
  });

const holdersArbitrary = fc.uniqueArray(fc.record({ poolId: fc.constantFrom('pool_a', 'pool_b', 'pool_c', 'pool_d'), balance: scheduleArbitrary(false), running: fc.integer({ min: 0, max: 6 }) }), { selector: (holder) => holder.poolId, maxLength: 4 });

/** The times worth checking: each minute from t0 to past every step. */
const checkTimes = Array.from({ length: 12 }, (_, index) => t0 + index * minute);

const takeOf = (reclaims: ReturnType<typeof reclaimUnbacked>, poolId: string): Schedule => reclaims.find((reclaim) => reclaim.poolId === poolId)?.take ?? emptySchedule;

describe('taking back unbacked node-time', () => {
  it('conserves allocation, never takes more than a pool holds, and ends no running instance while an idle node is held', () => {
    fc.assert(fc.property(scheduleArbitrary(false), holdersArbitrary, fc.boolean(), (need, holders: Holder[], bounded) => {
      const to = bounded ? t0 + 6 * minute : null;
      const reclaims = reclaimUnbacked(need, holders, t0, to);
      for (const at of checkTimes) {
        const inRange = to === null || at < to;
        const held = holders.map((holder) => Math.max(0, valueAt(holder.balance, at)));
        const takes = holders.map((holder) => valueAt(takeOf(reclaims, holder.poolId), at));
        const total = takes.reduce((sum, take) => sum + take, 0);
        expect(total).toBe(inRange ? Math.min(Math.max(0, valueAt(need, at)), held.reduce((sum, count) => sum + count, 0)) : 0);
        holders.forEach((holder, index) => {
          expect(takes[index]).toBeGreaterThanOrEqual(0);
          expect(takes[index]).toBeLessThanOrEqual(held[index]!);
        });
        const idle = holders.reduce((sum, holder, index) => sum + Math.max(0, held[index]! - holder.running), 0);
        // Running instances left over capacity: those a pool must end. None while idle nodes suffice; else exactly the excess.
        const overCapacity = holders.reduce((sum, holder, index) => sum + Math.max(0, Math.min(holder.running, held[index]!) - (held[index]! - takes[index]!)), 0);
        expect(overCapacity).toBe(Math.max(0, total - idle));
        // What runs afterwards fits what is left: the healthy capacity.
        const left = held.reduce((sum, count, index) => sum + count - takes[index]!, 0);
        const stillRunning = holders.reduce((sum, holder, index) => sum + Math.min(holder.running, held[index]! - takes[index]!), 0);
        expect(stillRunning).toBeLessThanOrEqual(left);
      }
    }));
  });

  it('takes idle nodes first, then a node at a time from the largest holding', () => {
    const from = t0;
    const flat = (count: number) => normalize([{ at: from, count }]);
    const holders: Holder[] = [
      { poolId: 'pool_big', balance: flat(6), running: 6 },
      { poolId: 'pool_idle', balance: flat(3), running: 1 },
      { poolId: 'pool_small', balance: flat(1), running: 1 },
    ];
    const at = (need: number) => Object.fromEntries(reclaimUnbacked(flat(need), holders, from, null).map((reclaim) => [reclaim.poolId, valueAt(reclaim.take, from)]));
    expect(at(2)).toEqual({ pool_idle: 2 });
    expect(at(4)).toEqual({ pool_idle: 2, pool_big: 2 });
    // The big pool gives down to the others' level (ties: the smaller pool id) before the small one gives its only node.
    expect(at(8)).toEqual({ pool_idle: 2, pool_big: 6 });
    expect(at(9)).toEqual({ pool_idle: 3, pool_big: 6 });
    expect(at(20)).toEqual({ pool_idle: 3, pool_big: 6, pool_small: 1 });
  });
});

describe('refunds for what is taken back', () => {
  const paid = (id: string, count: number, start: number, end: number, price: number, filledAt: number) => ({ contractId: id, schedule: normalize([{ at: start, count }, { at: end, count: 0 }]), priceMicrosPerHour: price, filledAt });

  it('refunds the newest contract first, at its price, and nothing for node-time no contract paid for', () => {
    const old = paid('cont_old', 2, t0, t0 + 7200, 1_020_000, 1);
    const recent = paid('cont_new', 1, t0, t0 + 3600, 3_000_000, 2);
    const take = normalize([{ at: t0, count: 4 }, { at: t0 + 3600, count: 0 }]);
    expect(refundsFor(take, [old, recent])).toEqual([
      { contractId: 'cont_new', nodeSeconds: 3600, micros: 3_000_000 },
      { contractId: 'cont_old', nodeSeconds: 7200, micros: 2_040_000 },
    ]);
    expect(refundsFor(take, [])).toEqual([]);
  });

  it('never refunds more node-time than was taken nor more money than the contracts cost', () => {
    const contract = fc.record({ count: fc.integer({ min: 1, max: 4 }), start: fc.integer({ min: 0, max: 5 }), length: fc.integer({ min: 1, max: 5 }), price: fc.integer({ min: 0, max: 100_000 }).map((ticks) => ticks * 60), filledAt: fc.integer({ min: 0, max: 10 }) });
    fc.assert(fc.property(scheduleArbitrary(true), fc.array(contract, { maxLength: 4 }), (take, specs) => {
      const contracts = specs.map((spec, index) => paid(`cont_${index}`, spec.count, t0 + spec.start * minute, t0 + (spec.start + spec.length) * minute, spec.price, spec.filledAt));
      const refunds = refundsFor(take, contracts);
      const refunded = refunds.reduce((sum, refund) => sum + refund.nodeSeconds, 0);
      expect(refunded).toBeLessThanOrEqual(totalNodeSeconds(take));
      for (const refund of refunds) {
        const source = contracts.find((entry) => entry.contractId === refund.contractId)!;
        expect(refund.nodeSeconds).toBeLessThanOrEqual(totalNodeSeconds(source.schedule));
        expect(refund.micros).toBe(exactCostOf(source.priceMicrosPerHour, refund.nodeSeconds));
      }
    }));
  });
});

describe('when unbacked node-time is due to be taken back', () => {
  const unbacked = normalize([{ at: t0, count: 2 }]);
  it('is due at once for a removed host, and an hour ahead, renewed each minute, for a down one', () => {
    expect(unbackedDue({ unbacked: emptySchedule, removedAt: null, reclaimedUntil: null }, t0)).toBe(false);
    expect(unbackedDue({ unbacked, removedAt: t0, reclaimedUntil: t0 + 10 * 3600 }, t0)).toBe(true);
    expect(unbackedDue({ unbacked, removedAt: null, reclaimedUntil: null }, t0)).toBe(true);
    expect(unbackedDue({ unbacked, removedAt: null, reclaimedUntil: t0 + 60 + 3600 }, t0)).toBe(false);
    expect(unbackedDue({ unbacked, removedAt: null, reclaimedUntil: t0 + 60 + 3600 }, t0 + 60)).toBe(true);
  });
});
