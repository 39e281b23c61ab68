// How the CLI reads times and durations people type: pure functions, with `now` given, so that
// `in 6h` means six hours after the server's clock (the manual clock included), not this
// machine's.
//
// Durations: one or more amounts with a unit, largest first or not: `90s`, `30m`, `1h`, `1h30m`,
// `7d`, `2w`. Times: `now`, `in <duration>`, Unix seconds (`1767225600`), or ISO 8601
// (`2026-01-01`, `2026-01-01T09:00`, `2026-01-01T09:00:00Z`, `…+02:00`); an ISO time without a
// zone is UTC, as the API's times are.

const unitSeconds: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The largest duration or time the CLI accepts, far past any schedule (about 285 years). */
const secondsMax = 9_000_000_000;

export type Parsed = { readonly seconds: number } | { readonly error: string };

/** Seconds in a duration such as `1h`, `7d`, `2w` or `1h30m`. */
export function parseDuration(text: string): Parsed {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return { error: `"${text}" is not a duration: use a number and a unit, such as 90s, 30m, 1h, 7d or 2w` };
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) seconds += Number(amount) * unitSeconds[unit!]!;
  if (seconds === 0) return { error: `"${text}" is no time at all: a duration must be longer than zero` };
  if (seconds > secondsMax) return { error: `"${text}" is too long` };
  return { seconds };
}

/** The shortest text `parseDuration` reads as `seconds` (a positive whole number). */
export function formatDuration(seconds: number): string {
  let rest = seconds;
  let text = '';
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    const size = unitSeconds[unit]!;
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Unix seconds for `now`, `in <duration>`, Unix seconds, or an ISO 8601 date or time. */
export function parseTime(text: string, now: number): Parsed {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'now') return { seconds: now };
  if (lower.startsWith('in ')) {
    const duration = parseDuration(lower.slice(3));
    return 'error' in duration ? duration : { seconds: now + duration.seconds };
  }
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds > secondsMax ? { error: `${trimmed} is too far in the future (Unix seconds, not milliseconds)` } : { seconds };
  }
  const match = isoPattern.exec(trimmed);
  if (match === null) return { error: `"${text}" is not a time: use now, "in 6h", Unix seconds or ISO 8601 such as 2026-01-01T09:00Z` };
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${zone === undefined ? 'Z' : zone.toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`;
  const millis = Date.parse(iso);
  // Date.parse rolls 2026-02-30 over into March; a date that does not exist is refused.
  const utcDate = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (Number.isNaN(millis) || utcDate.getUTCMonth() !== Number(month) - 1 || utcDate.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    return { error: `"${text}" is not a valid date and time` };
  }
  return { seconds: Math.floor(millis / 1000) };
}

/** A time as people read it: ISO 8601 in UTC, to the second. */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
