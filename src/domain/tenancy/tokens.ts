// The rules of API tokens: what a new token may be given (name, description, lifetime), when a
// token stops working (revoked, or past its expiry, both at once), and when its `last_active_at`
// is due to be written again.

import { fail, type Failure, invalidField } from '../kernel/failures.js';
import { tokenActivityIntervalSeconds, tokenDescriptionLengthMax, tokenLifetimeSecondsMax, tokenNameLengthMax } from '../kernel/limits.js';

/** What decides whether a token still works. */
export interface TokenValidity {
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

/** Why a token no longer authenticates, or null while it does. Revocation is reported first. */
export function tokenRefusal(token: TokenValidity, now: number): Failure | null {
  if (token.revokedAt !== null) return fail('unauthenticated', 'This API token has been revoked');
  if (token.expiresAt !== null && token.expiresAt <= now) return fail('unauthenticated', 'This API token has expired');
  return null;
}

/** Whether a token is live: neither revoked nor expired. */
export function isTokenLive(token: TokenValidity, now: number): boolean {
  return tokenRefusal(token, now) === null;
}

/** Whether a use of a token at `now` should write `last_active_at`: at most once per interval. */
export function isActivityDue(lastActiveAt: number | null, now: number): boolean {
  return lastActiveAt === null || now - lastActiveAt >= tokenActivityIntervalSeconds;
}

/** The `last_active_at` before which a use is due again (for the conditional write). */
export function activityDueBefore(now: number): number {
  return now - tokenActivityIntervalSeconds + 1;
}

export interface TokenLabels {
  readonly name: string | null;
  readonly description: string | null;
}

/**
 * Reads a new token's name and description. Both are optional free text (the `sf` CLI sends ""
 * for a skipped prompt, which means none); names are labels, not unique, since SF Compute's
 * legacy API does not make them so.
 */
export function tokenLabels(name: string | null | undefined, description: string | null | undefined): TokenLabels | Failure {
  const trimmedName = name === undefined || name === null || name.trim() === '' ? null : name.trim();
  const trimmedDescription = description === undefined || description === null || description.trim() === '' ? null : description.trim();
  if (trimmedName !== null && trimmedName.length > tokenNameLengthMax) {
    return invalidField('name', 'too_long', `A token name is at most ${tokenNameLengthMax} characters`);
  }
  if (trimmedDescription !== null && trimmedDescription.length > tokenDescriptionLengthMax) {
    return invalidField('description', 'too_long', `A token description is at most ${tokenDescriptionLengthMax} characters`);
  }
  return { name: trimmedName, description: trimmedDescription };
}

/** A token's expiry from a lifetime in seconds (`POST /v0/tokens`' `expires_in_seconds`). */
export function expiryFromLifetime(now: number, lifetimeSeconds: number, field = 'expires_in_seconds'): number | Failure {
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 1 || lifetimeSeconds > tokenLifetimeSecondsMax) {
    return invalidField(field, 'out_of_range', `${field} must be a whole number of seconds from 1 to ${tokenLifetimeSecondsMax}`);
  }
  return now + lifetimeSeconds;
}

/** A token's expiry given as a time (`expires_at`, the operator's and the preview API's form):
 * null for never, otherwise in the future and within the longest lifetime. */
export function expiryAt(now: number, expiresAt: number | null | undefined): number | null | Failure {
  if (expiresAt === undefined || expiresAt === null) return null;
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return invalidField('expires_at', 'out_of_range', 'expires_at must be a Unix time in the future');
  return expiryFromLifetime(now, expiresAt - now, 'expires_at');
}
