// The CLI's reading of times and durations: examples, and properties over all of them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatTime, parseDuration, parseTime } from '../../src/cli/time-input.js';

const now = 1_767_225_600; // 2026-01-01T00:00:00Z

describe('parseDuration', () => {
  it('reads amounts with units', () => {
    expect(parseDuration('90s')).toEqual({ seconds: 90 });
    expect(parseDuration('30m')).toEqual({ seconds: 1800 });
    expect(parseDuration('1h')).toEqual({ seconds: 3600 });
    expect(parseDuration('1h30m')).toEqual({ seconds: 5400 });
    expect(parseDuration('7d')).toEqual({ seconds: 604_800 });
    expect(parseDuration('2w')).toEqual({ seconds: 1_209_600 });
    expect(parseDuration(' 2H ')).toEqual({ seconds: 7200 });
  });

  it('refuses what is not a duration, naming the forms it takes', () => {
    for (const text of ['', '1', 'h', '1x', '-1h', '1.5h', '0h', 'one hour', '99999999999w']) {
      const parsed = parseDuration(text);
      expect('error' in parsed, text).toBe(true);
    }
    expect((parseDuration('1') as { error: string }).error).toContain('1h');
  });

  it('reads back every duration it formats', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 * 365 * 86_400 }), (seconds) => {
      expect(parseDuration(formatDuration(seconds))).toEqual({ seconds });
    }));
  });
});

describe('parseTime', () => {
  it('reads now, in <duration>, Unix seconds and ISO 8601 (UTC when no zone is given)', () => {
    expect(parseTime('now', now)).toEqual({ seconds: now });
    expect(parseTime('in 6h', now)).toEqual({ seconds: now + 6 * 3600 });
    expect(parseTime('In 1h30m', now)).toEqual({ seconds: now + 5400 });
    expect(parseTime('1767229200', now)).toEqual({ seconds: 1_767_229_200 });
    expect(parseTime('2026-01-01', now)).toEqual({ seconds: now });
    expect(parseTime('2026-01-01T09:00', now)).toEqual({ seconds: now + 9 * 3600 });
    expect(parseTime('2026-01-01 09:00:30Z', now)).toEqual({ seconds: now + 9 * 3600 + 30 });
    expect(parseTime('2026-01-01T09:00:00+02:00', now)).toEqual({ seconds: now + 7 * 3600 });
    expect(parseTime('2026-01-01T09:00:00.250-0100', now)).toEqual({ seconds: now + 10 * 3600 });
  });

  it('refuses what is not a time', () => {
    for (const text of ['', 'tomorrow', 'in', 'in 6', 'in -1h', '2026-02-30', '2026-13-01', '2026-01-01T24:00', '1767225600000', '01/02/2026']) {
      expect('error' in parseTime(text, now), text).toBe(true);
    }
  });

  it('reads Unix seconds, formatted times and ISO strings back to the same second', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), fc.integer({ min: 1, max: 10 * 365 * 86_400 }), (seconds, duration) => {
      expect(parseTime(String(seconds), now)).toEqual({ seconds });
      expect(parseTime(formatTime(seconds), now)).toEqual({ seconds });
      expect(parseTime(new Date(seconds * 1000).toISOString(), now)).toEqual({ seconds });
      expect(parseTime(`in ${formatDuration(duration)}`, seconds)).toEqual({ seconds: seconds + duration });
    }));
  });
});
