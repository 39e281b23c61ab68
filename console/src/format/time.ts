// Times as people read them: in the browser's own time zone, with UTC a hover away. The API
// gives Unix seconds.

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' });
const localZone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' });
const utcFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

/** "12 Jan 2026, 14:00 GMT+1", in the browser's zone. */
export function formatLocalTime(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  const zone = localZone.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
  return `${localFormat.format(date)} ${zone}`.trim();
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** "14:00:05", in the browser's zone: the time of day to the second, for log lines. */
export function formatLocalClock(unixSeconds: number): string {
  return clockFormat.format(new Date(unixSeconds * 1000));
}

/** "12 Jan 2026, 13:00:00 UTC". */
export function formatUtcTime(unixSeconds: number): string {
  return `${utcFormat.format(new Date(unixSeconds * 1000))} UTC`;
}

export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** "1h", "2d 3h", "90s": the largest two units. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [['w', 604_800], ['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/** The Unix second a `datetime-local` input's value names, in the browser's zone. */
export function parseLocalInput(value: string): number | null {
  const milliseconds = new Date(value).getTime();
  return Number.isNaN(milliseconds) ? null : Math.floor(milliseconds / 1000);
}

/** The value a `datetime-local` input shows for a Unix second, in the browser's zone. */
export function toLocalInput(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
