// Reading the CLI's arguments into values, or a usage error (exit code 2) that says what was
// expected. The parsing itself is in time-input.ts (pure, tested there).

import { CliError, exitCodes } from './client.js';
import { parseDuration, parseTime } from './time-input.js';

export function usage(message: string): CliError {
  return new CliError(message, exitCodes.usage);
}

export function durationSeconds(text: string, option: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw usage(`${option}: ${parsed.error}`);
  return parsed.seconds;
}

/** Unix seconds for a time given at the server's `now`. */
export function timeSeconds(text: string, now: number, option: string): number {
  const parsed = parseTime(text, now);
  if ('error' in parsed) throw usage(`${option}: ${parsed.error}`);
  return parsed.seconds;
}

export function positiveInteger(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw usage(`${option} must be a whole number of at least 1, not "${text}"`);
  return Number(text);
}

/** Dollars as the API takes them: a decimal string such as "12.500000". */
export function dollars(text: string, option: string): string {
  const trimmed = text.trim().replace(/^\$/, '');
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(trimmed);
  if (match === null) throw usage(`${option} must be dollars such as 12.50, not "${text}"`);
  // As the API writes dollars: six decimal places.
  return `${BigInt(match[1]!).toString()}.${(match[2] ?? '').padEnd(6, '0')}`;
}

/** `key=value` pairs (from a repeatable option) as an object. */
export function tags(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw usage(`--tag must be key=value, not "${pair}"`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
}

/** For a repeatable option: commander's collector. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
