import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveFixtureTime } from '../../src/domain/operator/fixtures.js';

const base = 1_767_225_600;

describe('fixture times', () => {
  it('reads Unix seconds, now and offsets', () => {
    expect(resolveFixtureTime(1_767_229_200, base)).toBe(1_767_229_200);
    expect(resolveFixtureTime('now', base)).toBe(base);
    expect(resolveFixtureTime('+1h', base)).toBe(base + 3600);
    expect(resolveFixtureTime('+1h30m', base)).toBe(base + 5400);
    expect(resolveFixtureTime('+2w1d', base)).toBe(base + 15 * 86_400);
    expect(resolveFixtureTime('+90s', base)).toBe(base + 90);
  });

  it('refuses anything else with a message', () => {
    for (const bad of ['', 'soon', '1h', '+', '+1y', '-1h', '+1.5h', 'now ']) expect(typeof resolveFixtureTime(bad, base)).toBe('string');
    expect(typeof resolveFixtureTime(-1, base)).toBe('string');
    expect(typeof resolveFixtureTime(1.5, base)).toBe('string');
    expect(resolveFixtureTime('+99999w', base)).toMatch(/ten years/);
  });

  it('adds the parts of an offset, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom('s', 'm', 'h', 'd')), { minLength: 1, maxLength: 4 }), (parts) => {
        const text = `+${parts.map(([amount, unit]) => `${amount}${unit}`).join('')}`;
        const seconds = parts.reduce((sum, [amount, unit]) => sum + amount * { s: 1, m: 60, h: 3600, d: 86_400 }[unit], 0);
        expect(resolveFixtureTime(text, base)).toBe(base + seconds);
        expect(resolveFixtureTime(`+${[...parts].reverse().map(([amount, unit]) => `${amount}${unit}`).join('')}`, base)).toBe(base + seconds);
      }),
    );
  });
});
