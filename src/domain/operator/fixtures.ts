// The rules of a fixtures file (docs/cli.md, "Fixtures") that need no store: its times, which
// are Unix seconds or relative to the moment the fixtures are applied, so that one file gives the
// same scenario whenever it is loaded.

import { fixtureOffsetSecondsMax } from '../kernel/limits.js';

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A fixture time: Unix seconds as given; "now" as `base`; "+<duration>" (`+1h`, `+1h30m`, `+7d`,
 * `+2w`; units s, m, h, d, w) as `base` plus that. `base` is the whole minute the fixtures are
 * applied at (the next one under the real clock), so relative times are whole minutes when their
 * durations are. Returns a message when the text is neither.
 */
export function resolveFixtureTime(value: number | string, base: number): number | string {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : 'must be whole Unix seconds, "now" or "+<duration>" such as "+1h"';
  if (value === 'now') return base;
  const match = /^\+((?:\d+[smhdw])+)$/.exec(value);
  if (match === null) return `must be whole Unix seconds, "now" or "+<duration>" such as "+1h", not "${value}"`;
  let seconds = 0;
  for (const [, amount, unit] of match[1]!.matchAll(/(\d+)([smhdw])/g)) seconds += Number(amount) * unitSeconds[unit!]!;
  if (seconds > fixtureOffsetSecondsMax) return `is more than ten years ahead: "${value}"`;
  return base + seconds;
}

