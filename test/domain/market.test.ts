// Money units, matching (against its rules and a minute-by-minute model, over random books),
// procurement planning, and the status a procurement's run leaves.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePriority, match, type RestingOrder } from '../../src/domain/market/matching.js';
import { costOf, feeOf, formatDollars, parseDollarsPerNodeHour } from '../../src/domain/kernel/money.js';
import { averageFillPrice } from '../../src/domain/market/orders.js';
import { coalescedNextRun, lastModelRunThrough, nextModelRunAfter, nextRunAfter, placementProblem, placesAfter, planProcurement, procurementWindow, runStatus } from '../../src/domain/market/procurement.js';
import { parseRequirements, meetsRequirements } from '../../src/domain/market/requirements.js';
import { add, clip, emptySchedule, normalize, type Schedule, stepsOf, valueAt } from '../../src/domain/kernel/schedule.js';

const rectangle = (start: number, end: number, count: number) => normalize([{ at: start, count }, { at: end, count: 0 }]);

describe('money', () => {
  it('reads dollar strings to per-minute precision', () => {
    expect(parseDollarsPerNodeHour('2.500000', 'price')).toBe(2_500_020);
    expect(parseDollarsPerNodeHour('16.00', 'price')).toBe(16_000_020);
    expect(parseDollarsPerNodeHour('0.000060', 'price')).toBe(60);
    expect(parseDollarsPerNodeHour('0.000029', 'price')).toBe(0);
    expect(parseDollarsPerNodeHour('0.000030', 'price')).toBe(60);
    expect(parseDollarsPerNodeHour('1.0000004', 'price')).toBe(1_000_020);
    for (const bad of ['2', '2.', '.5', '-1.0', '1,5', 'abc', '1e3']) expect(parseDollarsPerNodeHour(bad, 'price'), bad).toMatchObject({ failure: 'invalid_request' });
  });

  it('formats micro-dollars as the API writes them', () => {
    expect(formatDollars(2_500_020)).toBe('2.500020');
    expect(formatDollars(60)).toBe('0.000060');
    expect(formatDollars(-1_500_000)).toBe('-1.500000');
  });

  it('prices whole node-minutes exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 10_000 }), (ticks, nodeMinutes) => {
        const cost = costOf(ticks * 60, nodeMinutes * 60)!;
        expect(Number.isInteger(cost)).toBe(true);
        expect(cost).toBe(ticks * nodeMinutes);
      }),
    );
    expect(costOf(16_000_020, 3600)).toBe(16_000_020);
    expect(costOf(Number.MAX_SAFE_INTEGER - 59, 6000 * 60)).toBeNull();
  });

  it('takes the flat fee and the share, never more than the total', () => {
    expect(feeOf({ flatMicrosPerNodeHour: 100_000, basisPoints: 200 }, 16_000_000, 3600)).toBe(100_000 + 320_000);
    expect(feeOf({ flatMicrosPerNodeHour: 10_000_000, basisPoints: 0 }, 1_000, 3600)).toBe(1_000);
  });
});

const t = 600_000;
const minutes = 12;
const restingArbitrary = fc.record({
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  price: fc.integer({ min: 1, max: 6 }).map((tick) => tick * 60),
  start: fc.integer({ min: 0, max: minutes - 1 }),
  length: fc.integer({ min: 1, max: minutes }),
  count: fc.integer({ min: 1, max: 4 }),
  allowPartial: fc.boolean(),
});
const bookArbitrary = fc.array(restingArbitrary, { maxLength: 8 }).map((orders) =>
  orders.map((order, index): RestingOrder => ({
    id: `r${index}`,
    side: order.side,
    priceMicrosPerHour: order.price,
    remaining: rectangle(t + order.start * 60, t + Math.min(minutes, order.start + order.length) * 60, order.count),
    allowPartial: order.allowPartial,
    seq: index,
  })),
);
const incomingArbitrary = fc.record({
  side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
  limit: fc.integer({ min: 1, max: 6 }).map((tick) => tick * 60),
  start: fc.integer({ min: 0, max: minutes - 1 }),
  length: fc.integer({ min: 1, max: minutes }),
  count: fc.integer({ min: 1, max: 6 }),
  allowPartial: fc.boolean(),
  tradableFrom: fc.integer({ min: 0, max: 4 }),
});

describe('matching', () => {
  it('keeps to its rules on any book', () => {
    fc.assert(
      fc.property(incomingArbitrary, bookArbitrary, (order, book) => {
        const wanted = rectangle(t + order.start * 60, t + Math.min(minutes, order.start + order.length) * 60, order.count);
        const tradableFrom = t + order.tradableFrom * 60;
        const incoming = { side: order.side, limitMicrosPerHour: order.limit, wanted, allowPartial: order.allowPartial };
        const trades = match(incoming, book, tradableFrom);
        const byId = new Map(book.map((resting) => [resting.id, resting]));
        let traded: Schedule = { times: new Float64Array(0), counts: new Float64Array(0) };
        for (const trade of trades) {
          const resting = byId.get(trade.restingId)!;
          expect(resting.side).not.toBe(order.side);
          expect(trade.priceMicrosPerHour).toBe(resting.priceMicrosPerHour);
          if (order.side === 'buy') expect(resting.priceMicrosPerHour).toBeLessThanOrEqual(order.limit);
          else expect(resting.priceMicrosPerHour).toBeGreaterThanOrEqual(order.limit);
          for (let minute = 0; minute < minutes; minute++) {
            const at = t + minute * 60;
            const amount = valueAt(trade.schedule, at);
            expect(amount).toBeLessThanOrEqual(valueAt(resting.remaining, at));
            if (at < tradableFrom) expect(amount).toBe(0);
          }
          if (!resting.allowPartial) expect(stepsOf(trade.schedule)).toEqual(stepsOf(clip(resting.remaining, tradableFrom, null)));
          traded = add(traded, trade.schedule);
        }
        const tradableWanted = clip(wanted, tradableFrom, null);
        for (let minute = 0; minute < minutes; minute++) expect(valueAt(traded, t + minute * 60)).toBeLessThanOrEqual(valueAt(tradableWanted, t + minute * 60));
        if (!order.allowPartial && trades.length > 0) expect(stepsOf(traded)).toEqual(stepsOf(tradableWanted));
        // Priority among partial-fill resting orders: a later one trades at a minute only when
        // every better one that could trade there is used up.
        if (order.allowPartial) {
          const ordered = book.filter((resting) => resting.allowPartial && trades.some((trade) => trade.restingId === resting.id)).sort(comparePriority(order.side));
          for (const [index, later] of ordered.entries()) {
            const laterTrade = trades.find((trade) => trade.restingId === later.id)!;
            for (const better of ordered.slice(0, index)) {
              const betterTrade = trades.find((trade) => trade.restingId === better.id)!;
              for (let minute = order.tradableFrom; minute < minutes; minute++) {
                const at = t + minute * 60;
                if (valueAt(laterTrade.schedule, at) > 0) expect(valueAt(betterTrade.schedule, at)).toBe(valueAt(better.remaining, at));
              }
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('trades what a minute-by-minute model of the book trades', () => {
    // The model: every schedule as an array of per-minute counts, the book walked in priority
    // order, each resting order taken minute by minute (partial) or whole (all or nothing).
    const perMinute = (schedule: Schedule, from: number) => Array.from({ length: minutes }, (_, minute) => (minute < from ? 0 : valueAt(schedule, t + minute * 60)));
    fc.assert(
      fc.property(incomingArbitrary, bookArbitrary, (order, book) => {
        const wanted = rectangle(t + order.start * 60, t + Math.min(minutes, order.start + order.length) * 60, order.count);
        const need = perMinute(wanted, order.tradableFrom);
        const modelTrades = new Map<string, number[]>();
        const compatible = book.filter((resting) => resting.side !== order.side && (order.side === 'buy' ? resting.priceMicrosPerHour <= order.limit : resting.priceMicrosPerHour >= order.limit));
        for (const resting of [...compatible].sort(comparePriority(order.side))) {
          const offered = perMinute(resting.remaining, order.tradableFrom);
          let take: number[];
          if (resting.allowPartial) take = offered.map((count, minute) => Math.min(count, need[minute]!));
          else take = offered.every((count, minute) => count <= need[minute]!) ? offered : offered.map(() => 0);
          if (take.every((count) => count === 0)) continue;
          take.forEach((count, minute) => (need[minute]! -= count));
          modelTrades.set(resting.id, take);
        }
        if (!order.allowPartial && need.some((count) => count > 0)) modelTrades.clear();

        const trades = match({ side: order.side, limitMicrosPerHour: order.limit, wanted, allowPartial: order.allowPartial }, book, t + order.tradableFrom * 60);
        expect(new Map(trades.map((trade) => [trade.restingId, perMinute(trade.schedule, 0)]))).toEqual(modelTrades);
        // Past the window the trades hold nothing.
        for (const trade of trades) expect(valueAt(trade.schedule, t + minutes * 60)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('fills a buy across two sellers, cheapest first, at their prices', () => {
    const book: RestingOrder[] = [
      { id: 'expensive', side: 'sell', priceMicrosPerHour: 300, remaining: rectangle(t, t + 3600, 4), allowPartial: true, seq: 1 },
      { id: 'cheap', side: 'sell', priceMicrosPerHour: 120, remaining: rectangle(t, t + 3600, 2), allowPartial: true, seq: 2 },
    ];
    const trades = match({ side: 'buy', limitMicrosPerHour: 300, wanted: rectangle(t, t + 3600, 3), allowPartial: false }, book, t);
    expect(trades.map((trade) => [trade.restingId, valueAt(trade.schedule, t), trade.priceMicrosPerHour])).toEqual([
      ['cheap', 2, 120],
      ['expensive', 1, 300],
    ]);
    expect(match({ side: 'buy', limitMicrosPerHour: 200, wanted: rectangle(t, t + 3600, 3), allowPartial: false }, book, t)).toEqual([]);
  });
});

describe('orders', () => {
  it('averages fill prices by node-seconds', () => {
    expect(averageFillPrice([])).toBeNull();
    // 2 nodes for an hour at $9, 1 node for an hour at $12: $30 over 3 node-hours.
    expect(averageFillPrice([{ schedule: rectangle(t, t + 3600, 2), totalMicros: 18_000_000 }, { schedule: rectangle(t, t + 3600, 1), totalMicros: 12_000_000 }])).toBe(10_000_000);
  });
});

describe('procurement planning', () => {
  const h = 3600;
  it('manages exactly the window\'s whole minutes, from the next minute', () => {
    expect(procurementWindow(h * 10 + 17 * 60 + 5, 120)).toEqual({ startAt: h * 10 + 18 * 60, endAt: h * 12 + 18 * 60 });
    expect(procurementWindow(h * 10 - 60, 60)).toEqual({ startAt: h * 10, endAt: h * 11 });
    expect(procurementWindow(h * 10 + 59, 1)).toEqual({ startAt: h * 10 + 60, endAt: h * 10 + 120 });
  });

  it('buys shortfalls and sells surpluses over exactly the stretches of the window', () => {
    const now = h * 10 - 60;
    const allocation = normalize([{ at: h * 10, count: 1 }, { at: h * 11, count: 5 }, { at: h * 12, count: 0 }]);
    expect(planProcurement(3, allocation, now, 150)).toEqual([
      { startAt: h * 10, endAt: h * 11, side: 'buy', nodes: 2 },
      { startAt: h * 11, endAt: h * 12, side: 'sell', nodes: 2 },
      { startAt: h * 12, endAt: h * 12 + 30 * 60, side: 'buy', nodes: 3 },
    ]);
    // Off the clock hour: 90 minutes from 10:18, not to 12:00.
    expect(planProcurement(1, emptySchedule, h * 10 + 17 * 60 + 5, 90)).toEqual([{ startAt: h * 10 + 18 * 60, endAt: h * 11 + 48 * 60, side: 'buy', nodes: 1 }]);
  });

  it('holds the target at every minute of the window and orders nothing outside it (against a minute-by-minute model)', () => {
    const minute = 60;
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 300 }), count: fc.integer({ min: 0, max: 6 }) }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 120 * minute }),
        fc.integer({ min: 1, max: 200 }),
        (steps, target, now, windowMinutes) => {
          const allocation = normalize(steps.map((step) => ({ at: step.at * minute, count: step.count })).sort((a, b) => a.at - b.at).filter((step, index, all) => index === all.length - 1 || all[index + 1]!.at !== step.at));
          const orders = planProcurement(target, allocation, now, windowMinutes);
          const first = Math.floor(now / minute) * minute + minute;
          for (const order of orders) {
            expect(order.nodes).toBeGreaterThan(0);
            expect(order.startAt).toBeGreaterThanOrEqual(first);
            expect(order.endAt).toBeLessThanOrEqual(first + windowMinutes * minute);
            expect(order.startAt % minute + (order.endAt % minute)).toBe(0);
          }
          for (let m = first - 5 * minute; m < first + (windowMinutes + 5) * minute; m += minute) {
            const change = orders.filter((order) => order.startAt <= m && m < order.endAt).reduce((sum, order) => sum + (order.side === 'buy' ? order.nodes : -order.nodes), 0);
            const inWindow = m >= first && m < first + windowMinutes * minute;
            expect(valueAt(allocation, m) + change).toBe(inWindow ? target : valueAt(allocation, m));
          }
          // It runs again by the time the first minute off the target enters the window, and within the hour.
          const held = orders.reduce((sum, order) => add(sum, rectangle(order.startAt, order.endAt, order.side === 'buy' ? order.nodes : -order.nodes)), allocation);
          const next = nextRunAfter(now, target, held, windowMinutes);
          expect(next).toBeGreaterThan(now);
          expect(next).toBeLessThanOrEqual(Math.floor(now / h) * h + h);
          for (let at = Math.floor(now / minute) * minute + minute; at < next; at += minute) {
            expect(planProcurement(target, held, at, windowMinutes), `a run at ${at}, before the next one at ${next}, would have something to do`).toEqual([]);
          }
        },
      ),
    );
  });

  it('buys and sells nothing before it begins (startsAt), and runs when its start enters the window', () => {
    const at = h * 10 + 5;
    expect(planProcurement(1, emptySchedule, at, 60, h * 12)).toEqual([]);
    expect(planProcurement(1, emptySchedule, at, 60, h * 11)).toEqual([{ startAt: h * 11, endAt: h * 11 + 60, side: 'buy', nodes: 1 }]);
    expect(planProcurement(1, emptySchedule, at, 60, h * 9)).toEqual([{ startAt: h * 10 + 60, endAt: h * 11 + 60, side: 'buy', nodes: 1 }]);
    expect(nextRunAfter(at, 1, emptySchedule, 60, h * 11 + 30 * 60)).toBe(h * 10 + 30 * 60);
    expect(nextRunAfter(at, 1, emptySchedule, 30, h * 12)).toBe(h * 11);
  });

  it('runs every minute while the window moves onto minutes off the target, and at least every hour', () => {
    const held = normalize([{ at: h * 10, count: 2 }, { at: h * 11 + 10 * 60, count: 0 }]);
    const at = h * 10 + 5;
    expect(nextRunAfter(at, 2, held, 60)).toBe(h * 10 + 10 * 60); // 11:10 enters the window [10:11, 11:11)
    expect(nextRunAfter(at, 2, held, 30)).toBe(h * 10 + 40 * 60);
    expect(nextRunAfter(at, 2, held, 75)).toBe(h * 10 + 60); // 11:16 is off the target at once
    expect(nextRunAfter(at, 0, emptySchedule, 30)).toBe(h * 11);
    expect(nextRunAfter(at, 2, held, 5)).toBe(h * 11);
  });
});

describe('coalescing a procurement\'s runs over a clock advance', () => {
  const h = 3600;
  const minute = 60;
  const scheduleArbitrary = fc
    .array(fc.record({ at: fc.integer({ min: 0, max: 400 }), count: fc.integer({ min: 0, max: 4 }) }), { maxLength: 5 })
    .map((steps) => normalize(steps.map((step) => ({ at: step.at * minute, count: step.count })).sort((a, b) => a.at - b.at).filter((step, index, all) => index === all.length - 1 || all[index + 1]!.at !== step.at)));
  const opposingArbitrary = fc.array(fc.record({ start: fc.integer({ min: 0, max: 500 }), length: fc.integer({ min: 1, max: 60 }) }), { maxLength: 3 }).map((orders) => orders.map((order) => ({ startAt: order.start * minute, endAt: (order.start + order.length) * minute })));

  it('skips only runs that would move the last one\'s orders on and trade nothing, and lands on a run of the minute-by-minute model (against it)', () => {
    fc.assert(
      fc.property(
        scheduleArbitrary,
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 40 }),
        fc.option(fc.integer({ min: 0, max: 300 }).map((m) => m * minute), { nil: null }),
        opposingArbitrary,
        fc.integer({ min: 0, max: 200 * minute }),
        fc.integer({ min: 0, max: 400 * minute }),
        (held, target, windowMinutes, startsAt, opposing, at, span) => {
          const upTo = at + span;
          const input = { at, upTo, target, held, managedWindowMinutes: windowMinutes, startsAt, opposing };
          const jump = coalescedNextRun(input);
          const next = (from: number) => nextRunAfter(from, target, held, windowMinutes, startsAt);
          const first = next(at);
          expect(jump).toBeGreaterThanOrEqual(first);
          if (first <= upTo) expect(jump).toBeLessThanOrEqual(upTo);
          // The model: a run at every nextRunAfter. The jump is one of its runs...
          const runs: number[] = [];
          for (let run = first; run < jump; run = next(run)) runs.push(run);
          expect(runs.length === 0 ? first : next(runs[runs.length - 1]!)).toBe(jump);
          // ...and every model run it skips places what the run at `at` placed, moved on by whole
          // minutes (as many nodes over as long: the same money held), buys only, and trades
          // nothing against the book (the matcher itself, each resting sell offering plenty).
          const base = planProcurement(target, held, at, windowMinutes, startsAt);
          const book: RestingOrder[] = opposing.map((order, index) => ({ id: `s${index}`, side: 'sell', priceMicrosPerHour: 60, remaining: rectangle(order.startAt, order.endAt, 100), allowPartial: true, seq: index }));
          const ownEnd = Math.min(...base.map((order) => order.endAt));
          for (const run of runs) {
            const plan = planProcurement(target, held, run, windowMinutes, startsAt);
            const shift = Math.floor(run / minute) * minute - Math.floor(at / minute) * minute;
            expect(plan).toEqual(base.map((order) => ({ ...order, startAt: order.startAt + shift, endAt: order.endAt + shift })));
            expect(run).toBeLessThanOrEqual(ownEnd);
            for (const order of plan) {
              expect(order.side).toBe('buy');
              const wanted = rectangle(order.startAt, order.endAt, order.nodes);
              expect(match({ side: 'buy', limitMicrosPerHour: 60, wanted, allowPartial: true }, book, Math.floor(run / minute) * minute)).toEqual([]);
            }
          }
          // It skips as far as it may: the run after the jump is past the advance or the orders' end,
          // or the run at the jump would do something else.
          if (jump !== first) {
            const plan = planProcurement(target, held, jump, windowMinutes, startsAt);
            const shift = Math.floor(jump / minute) * minute - Math.floor(at / minute) * minute;
            const movesOn = JSON.stringify(plan) === JSON.stringify(base.map((order) => ({ ...order, startAt: order.startAt + shift, endAt: order.endAt + shift }))) && plan.every((order) => !opposing.some((other) => other.startAt < order.endAt && other.endAt > order.startAt));
            if (movesOn) expect(next(jump) > upTo || next(jump) > ownEnd).toBe(true);
          }
          // The model's last run by a time, and its first after one, are runs of the model.
          const last = lastModelRunThrough(first, upTo, target, held, windowMinutes, startsAt);
          if (first > upTo) expect(last).toBeNull();
          else expect(next(last!)).toBeGreaterThan(upTo);
          const after = nextModelRunAfter(first, upTo, target, held, windowMinutes, startsAt);
          expect(after).toBeGreaterThan(upTo);
          expect(after).toBe(first > upTo ? first : next(last!));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('jumps a procurement no seller meets from window to window, and stops where one could meet it', () => {
    const at = h * 10;
    // Short of 1 node everywhere, a 60-minute window: its standing buy ends an hour on, so it runs again by then.
    expect(coalescedNextRun({ at, upTo: at + 24 * h, target: 1, held: emptySchedule, managedWindowMinutes: 60, startsAt: null, opposing: [] })).toBe(at + h + minute);
    expect(coalescedNextRun({ at, upTo: at + 30 * minute + 5, target: 1, held: emptySchedule, managedWindowMinutes: 60, startsAt: null, opposing: [] })).toBe(at + 30 * minute);
    // A sell from 12:00 enters the window [10:41, 11:41)... at the run whose window reaches it: 11:00 (window [11:01, 12:01)).
    expect(coalescedNextRun({ at, upTo: at + 24 * h, target: 1, held: emptySchedule, managedWindowMinutes: 60, startsAt: null, opposing: [{ startAt: h * 12, endAt: h * 13 }] })).toBe(h * 11);
    // A sell overlapping the window now: nothing is skipped.
    expect(coalescedNextRun({ at, upTo: at + 24 * h, target: 1, held: emptySchedule, managedWindowMinutes: 60, startsAt: null, opposing: [{ startAt: h * 10 + 30 * minute, endAt: h * 13 }] })).toBe(at + minute);
    // Holding the target: the hourly runs up to the advance's end are skipped but the last.
    const held = normalize([{ at: 0, count: 2 }]);
    expect(coalescedNextRun({ at, upTo: at + 5 * h + 7, target: 2, held, managedWindowMinutes: 60, startsAt: null, opposing: [] })).toBe(at + 5 * h);
    // Surplus to sell: minute by minute.
    expect(coalescedNextRun({ at, upTo: at + 5 * h, target: 1, held, managedWindowMinutes: 60, startsAt: null, opposing: [] })).toBe(at + minute);
  });
});

describe('requirements', () => {
  const h100 = { region: 'us-west', availability_zone: 'richmond', accelerator: 'h100', form_factor: 'sxm', rdma_type: 'infiniband' as const, num_accelerators: 8, num_vcpus: 112, memory: 1, local_storage: 1, supports_public_ipv4: true };
  it('reads the query form and matches case-insensitively', () => {
    const parsed = parseRequirements('accelerator_type:H100,H200;zone:richmond;num_accelerators:eq:8');
    expect(meetsRequirements(h100, parsed as never)).toBe(true);
    expect(meetsRequirements(h100, parseRequirements('zone:hayesvalley') as never)).toBe(false);
    expect(meetsRequirements(h100, parseRequirements('') as never)).toBe(true);
    expect(parseRequirements('colour:blue')).toMatchObject({ failure: 'invalid_request' });
    expect(parseRequirements('accelerator')).toMatchObject({ failure: 'invalid_request' });
  });
});

describe('a procurement run\'s status', () => {
  const h = 3600;
  const base = { problem: null, at: h * 10 - 60, target: 2, managedWindowMinutes: 60, startsAt: null, maxBuyMicros: 1_500_000 };

  it('shows a placement it could not make: out of money is an error, and stops its buys; any other refusal a warning', () => {
    const starved = placementProblem({ failure: 'insufficient_balance', message: 'Insufficient balance: …' });
    expect(starved).toEqual({ state: 'error', message: 'Insufficient balance: …' });
    expect(placementProblem({ failure: 'insufficient_allocation', message: 'Pool …' })).toEqual({ state: 'warning', message: 'Pool …' });
    expect(placesAfter(starved, 'buy')).toBe(false);
    expect(placesAfter(starved, 'sell')).toBe(true);
    expect(placesAfter({ state: 'warning', message: '' }, 'buy')).toBe(true);
    expect(placesAfter(null, 'buy')).toBe(true);
    expect(runStatus({ ...base, held: emptySchedule, problem: starved })).toBe(starved);
  });

  it('says when it begins, that it holds the target, or how far short it is', () => {
    expect(runStatus({ ...base, held: emptySchedule, startsAt: h * 12 })).toEqual({ state: 'info', message: 'Begins at 1970-01-01T12:00Z: nothing is bought or sold before.' });
    expect(runStatus({ ...base, held: rectangle(h * 10, h * 11, 2) })).toEqual({ state: 'info', message: 'Holding the target of 2 node(s) through 1970-01-01T11:00Z.' });
    expect(runStatus({ ...base, held: add(rectangle(h * 10, h * 11, 1), rectangle(h * 10, h * 10 + 600, 1)) })).toEqual({
      state: 'warning',
      message: 'Short of the target of 2 node(s): as few as 1 held before 1970-01-01T11:00Z, with no sellers at or below 1.500000 dollars per node-hour; a standing buy waits for them.',
    });
  });

  it('holds the target exactly when every minute of the window it acts on holds it (against a minute-by-minute model)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 120 }), count: fc.integer({ min: 0, max: 4 }) }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 60 * 60 }),
        fc.integer({ min: 1, max: 90 }),
        fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }),
        (steps, target, at, managedWindowMinutes, startMinute) => {
          const held = normalize(steps.map((step) => ({ at: step.at * 60, count: step.count })).sort((a, b) => a.at - b.at).filter((step, index, all) => index === all.length - 1 || all[index + 1]!.at !== step.at));
          const startsAt = startMinute === null ? null : startMinute * 60;
          const status = runStatus({ problem: null, at, target, held, managedWindowMinutes, startsAt, maxBuyMicros: 60 });
          // The model: the minutes of the window from the next one, from startsAt on.
          const first = Math.floor(at / 60) + 1;
          const acted = Array.from({ length: managedWindowMinutes }, (_, i) => first + i).filter((minute) => startsAt === null || minute * 60 >= startsAt);
          if (acted.length === 0) expect(status.message).toMatch(/^Begins at/);
          else if (acted.every((minute) => valueAt(held, minute * 60) >= target)) expect(status.message).toMatch(/^Holding the target/);
          else expect(status.state).toBe('warning');
          expect(status.state === 'error').toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
