// Times in the v0 API: ISO 8601 text, or the literal `NOW`, at the edge; Unix seconds inside.

import { type Failure, invalidField } from '../kernel/failures.js';

export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** An ISO 8601 time as Unix seconds (fractions rounded up to the next second). */
export function parseIsoTime(text: string, field: string): number | Failure {
  // Date.parse also reads forms that are not ISO 8601 ("March 7"); require a date and a time with a zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    return invalidField(field, 'invalid_time', `"${text}" is not an ISO 8601 time with a zone (2026-01-01T00:00:00Z)`);
  }
  const millis = Date.parse(text);
  if (!Number.isFinite(millis)) return invalidField(field, 'invalid_time', `"${text}" is not a valid time`);
  return Math.ceil(millis / 1000);
}

/** `NOW` (the current time) or an ISO 8601 time, as Unix seconds. */
export function parseNowOrIso(text: string, field: string, now: number): number | Failure {
  return text.trim().toUpperCase() === 'NOW' ? now : parseIsoTime(text, field);
}
