// Schedule algebra against a brute-force model: a schedule evaluated minute by minute over a
// window, plus its value in the tail beyond.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  clip,
  firstBelow,
  minimum,
  minimumOver,
  nextBoundary,
  normalize,
  parseRectangles,
  type Schedule,
  stepsOf,
  subtract,
  sumOf,
  toRectangles,
  valueAt,
} from '../../src/domain/kernel/schedule.js';
import { isFailure } from '../../src/domain/kernel/failures.js';

const minutes = 40;
const times = Array.from({ length: minutes + 1 }, (_, minute) => minute * 60);

/** The model: the value at every minute of the window; the last is the tail. */
function model(schedule: Schedule): number[] {
  return times.map((time) => {
    let value = 0;
    for (const step of stepsOf(schedule)) if (step.at <= time) value = step.count;
    return value;
  });
}

const stepsArbitrary = (minCount: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: minutes }), { maxLength: 12 })
    .chain((minuteList) =>
      fc.tuple(...[...minuteList].sort((a, b) => a - b).map((minute) => fc.integer({ min: minCount, max: 6 }).map((count) => ({ at: minute * 60, count })))),
    )
    .map((steps) => normalize(steps));

const schedule = stepsArbitrary(-4);
const nonNegative = stepsArbitrary(0);
const time = fc.integer({ min: 0, max: minutes }).map((minute) => minute * 60);

function isCanonical(value: Schedule): boolean {
  const steps = stepsOf(value);
  return steps.every((step, index) => (index === 0 ? step.count !== 0 : step.at > steps[index - 1]!.at && step.count !== steps[index - 1]!.count));
}

describe('schedule algebra', () => {
  it('keeps schedules canonical', () => {
    fc.assert(fc.property(schedule, schedule, (a, b) => {
      for (const result of [a, add(a, b), subtract(a, b), clip(a, 120, 600)]) expect(isCanonical(result)).toBe(true);
    }));
  });

  it('reads values as the model does', () => {
    fc.assert(fc.property(schedule, (a) => {
      expect(times.map((t) => valueAt(a, t))).toEqual(model(a));
      expect(valueAt(a, 10 ** 9)).toBe(model(a)[minutes]);
    }));
  });

  it('adds and subtracts minute by minute', () => {
    fc.assert(fc.property(schedule, schedule, (a, b) => {
      const ma = model(a);
      const mb = model(b);
      expect(model(add(a, b))).toEqual(ma.map((value, index) => value + mb[index]!));
      expect(model(subtract(a, b))).toEqual(ma.map((value, index) => value - mb[index]!));
      expect(stepsOf(subtract(add(a, b), b))).toEqual(stepsOf(a));
    }));
  });

  it('takes the minimum minute by minute, canonical', () => {
    fc.assert(fc.property(schedule, schedule, (a, b) => {
      const lowest = minimum(a, b);
      expect(isCanonical(lowest)).toBe(true);
      expect(model(lowest)).toEqual(model(a).map((value, index) => Math.min(value, model(b)[index]!)));
    }));
  });

  it('sums many schedules minute by minute, canonical', () => {
    fc.assert(fc.property(fc.array(schedule, { maxLength: 6 }), (list) => {
      const total = sumOf(list);
      expect(isCanonical(total)).toBe(true);
      expect(model(total)).toEqual(times.map((_, index) => list.reduce((sum, one) => sum + model(one)[index]!, 0)));
    }));
  });

  it('clips to a window', () => {
    fc.assert(fc.property(schedule, time, time, fc.boolean(), (a, x, y, bounded) => {
      const from = Math.min(x, y);
      const to = bounded ? Math.max(x, y) : null;
      const clipped = model(clip(a, from, to));
      const original = model(a);
      times.forEach((t, index) => {
        const inside = t >= from && (to === null || t < to);
        expect(clipped[index]).toBe(inside ? original[index] : 0);
      });
    }));
  });

  it('finds the first minute below a level and the minimum over a window', () => {
    fc.assert(fc.property(schedule, time, fc.integer({ min: -4, max: 6 }), (a, from, level) => {
      const values = model(a);
      const index = times.findIndex((t, i) => t >= from && values[i]! < level);
      expect(firstBelow(a, level, from)).toBe(index < 0 ? null : times[index]);
      const window = times.map((t, i) => (t >= from ? values[i]! : Infinity));
      expect(minimumOver(a, from, null)).toBe(Math.min(...window));
    }));
  });

  it('finds the next boundary', () => {
    fc.assert(fc.property(schedule, time, (a, after) => {
      const values = model(a);
      const index = times.findIndex((t, i) => t > after && values[i] !== values[i - 1]);
      expect(nextBoundary(a, after)).toBe(index < 0 ? null : times[index]);
    }));
  });

  it('renders rectangles that read back as the same schedule', () => {
    fc.assert(fc.property(nonNegative, (a) => {
      const rectangles = toRectangles(a);
      if (a.times.length === 0) {
        expect(rectangles).toEqual([]);
        return;
      }
      expect(rectangles.at(-1)!.end_at).toBeNull();
      expect(rectangles.every((rectangle, index) => index === 0 || rectangle.start_at === rectangles[index - 1]!.end_at)).toBe(true);
      expect(stepsOf(parseRectangles(rectangles, 'schedule') as Schedule)).toEqual(stepsOf(a));
    }));
  });

  it('renders from a given minute, starting there', () => {
    const a = normalize([{ at: 600, count: 2 }, { at: 1200, count: 0 }]);
    expect(toRectangles(a, 300)).toEqual([
      { start_at: 300, end_at: 600, node_count: 0 },
      { start_at: 600, end_at: 1200, node_count: 2 },
      { start_at: 1200, end_at: null, node_count: 0 },
    ]);
    expect(toRectangles(a, 900)).toEqual([
      { start_at: 900, end_at: 1200, node_count: 2 },
      { start_at: 1200, end_at: null, node_count: 0 },
    ]);
    expect(toRectangles(a, 1200)).toEqual([]);
  });
});

describe('reading rectangles', () => {
  it('fills gaps with zero, infers omitted end_at, and treats an omitted last end_at as unbounded', () => {
    const parsed = parseRectangles([{ start_at: 60, node_count: 1 }, { start_at: 120, end_at: 180, node_count: 2 }, { start_at: 300, node_count: 3 }], 'delta');
    expect(stepsOf(parsed as Schedule)).toEqual([{ at: 60, count: 1 }, { at: 120, count: 2 }, { at: 180, count: 0 }, { at: 300, count: 3 }]);
    expect(stepsOf(parseRectangles([{ start_at: 60, end_at: 120, node_count: 0 }], 'delta') as Schedule)).toEqual([]);
  });

  const bad: [string, { start_at: number; end_at?: number | null; node_count: number }[], string, string][] = [
    ['empty', [], 'delta', 'empty'],
    ['misaligned start', [{ start_at: 61, end_at: 120, node_count: 1 }], 'delta.0.start_at', 'misaligned'],
    ['misaligned end', [{ start_at: 60, end_at: 150, node_count: 1 }], 'delta.0.end_at', 'misaligned'],
    ['negative count', [{ start_at: 60, end_at: 120, node_count: -1 }], 'delta.0.node_count', 'negative'],
    ['end before start', [{ start_at: 120, end_at: 60, node_count: 1 }], 'delta.0.end_at', 'invalid_range'],
    ['empty range', [{ start_at: 120, end_at: 120, node_count: 1 }], 'delta.0.end_at', 'invalid_range'],
    ['null end not last', [{ start_at: 60, end_at: null, node_count: 1 }, { start_at: 120, end_at: 180, node_count: 1 }], 'delta.0.end_at', 'unbounded_not_last'],
    ['unsorted', [{ start_at: 180, end_at: 240, node_count: 1 }, { start_at: 60, end_at: 120, node_count: 1 }], 'delta.1.start_at', 'unsorted'],
    ['overlapping', [{ start_at: 60, end_at: 240, node_count: 1 }, { start_at: 180, end_at: 300, node_count: 1 }], 'delta.1.start_at', 'overlapping'],
    ['negative time', [{ start_at: -60, end_at: 120, node_count: 1 }], 'delta.0.start_at', 'out_of_range'],
  ];

  it.each(bad)('refuses %s', (_case, entries, field, code) => {
    const result = parseRectangles(entries, 'delta');
    expect(isFailure(result)).toBe(true);
    expect(result).toMatchObject({ failure: 'invalid_request', details: expect.arrayContaining([expect.objectContaining({ field, code })]) });
  });
});
