// Who is calling: an account (by one of its API tokens) or the operator (by the operator token).

import { fail, type Failure } from '../../domain/kernel/failures.js';
import type { AppContext } from '../kernel/context.js';
import { activityDueBefore, isActivityDue, tokenRefusal } from '../../domain/tenancy/tokens.js';
import { tokenHashesRememberedMax } from '../../domain/kernel/limits.js';
import { generateToken, hashToken, operatorTokenPrefix, sameHash } from './tokens.js';

export type Audience = 'account' | 'operator';

/** Who is calling. An account principal names the token it used and the user that token acts
 * for (null for a token of the account itself), with the token's name and the user's email: what
 * an order it places shows of its creator (`OrderPlacer`). */
export type Principal =
  | { readonly kind: 'account'; readonly accountId: string; readonly tokenId: string; readonly tokenName: string | null; readonly userId: string | null; readonly userEmail: string | null }
  | { readonly kind: 'operator' };

export type AccountPrincipal = Extract<Principal, { kind: 'account' }>;

export const operatorTokenHashSetting = 'operator_token_hash';

function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match === null ? null : match[1]!;
}

/**
 * Who a request's `Authorization` header names. Answers synchronously when it can (no token, the
 * operator token) and with a promise when the store must be asked.
 *
 * An account token is looked up through `Store.readCached`, scoped to tokens: on SQLite, where
 * this process is the database's only writer, the row is remembered until a transaction writes
 * a token, and every revocation is one, so a revoked token is refused from the next request on; on
 * PostgreSQL, where other processes may revoke it, also only until another process's commit is
 * notified, and a revocation is answered only once every process has heard
 * of it (`Store.untilHeardEverywhere`). Expiry is judged against the clock on every request. No
 * cache outlives an acknowledged revocation.
 *
 * A use writes `last_active_at` at most once per `tokenActivityIntervalSeconds`, in a
 * transaction of its own before the request goes on, with a condition that makes concurrent
 * uses write once.
 */
export function authenticate(
  context: AppContext,
  operatorTokenHash: string,
  authorization: string | undefined,
  audience: Audience,
): Principal | Failure | Promise<Principal | Failure> {
  const token = bearerToken(authorization);
  if (token === null) return fail('unauthenticated', 'Missing API token: send "Authorization: Bearer <token>"');
  const tokenHash = rememberedHashOf(token);
  if (audience === 'operator') {
    return sameHash(tokenHash, operatorTokenHash) ? { kind: 'operator' } : fail('unauthenticated', 'Invalid operator token');
  }
  return authenticateAccount(context, tokenHash);
}

/** Each token's hash, remembered: a client sends the same token on every request, and hashing it
 * again each time was a measurable part of serving a cached read. A hash depends on the token
 * alone, so nothing need forget it early; what the token may do (revoked, expired) is looked up
 * by its hash on every request (`authenticateAccount`). */
const hashesByToken = new Map<string, string>();

function rememberedHashOf(token: string): string {
  let tokenHash = hashesByToken.get(token);
  if (tokenHash === undefined) {
    tokenHash = hashToken(token);
    if (hashesByToken.size >= tokenHashesRememberedMax) hashesByToken.delete(hashesByToken.keys().next().value!);
    hashesByToken.set(token, tokenHash);
  }
  return tokenHash;
}

async function authenticateAccount(context: AppContext, tokenHash: string): Promise<AccountPrincipal | Failure> {
  const token = await context.store.readCached(`token:${tokenHash}`, async (tx) => (await tx.tokens.findByHash(tokenHash)) ?? null, 'tokens');
  if (token === null) return fail('unauthenticated', 'Invalid API token');
  const now = context.clock.now();
  const refusal = tokenRefusal(token, now);
  if (refusal !== null) return refusal;
  if (isActivityDue(token.lastActiveAt, now)) {
    await context.store.transaction((tx) => tx.tokens.recordActivity(token.id, now, activityDueBefore(now)));
  }
  return { kind: 'account', accountId: token.accountId, tokenId: token.id, tokenName: token.name, userId: token.userId, userEmail: token.userEmail };
}

/**
 * The operator token's hash. `ALLOT_ADMIN_TOKEN` wins when set; otherwise the token generated at
 * the first start is used, and on that first start its value is returned so it can be printed
 * once.
 */
export async function establishOperatorToken(
  context: AppContext,
  fromEnvironment: string | undefined,
): Promise<{ hash: string; generatedToken: string | null }> {
  if (fromEnvironment !== undefined && fromEnvironment !== '') return { hash: hashToken(fromEnvironment), generatedToken: null };
  const token = generateToken(context, operatorTokenPrefix);
  const hash = await context.store.transaction((tx) => tx.settings.setIfAbsent(operatorTokenHashSetting, hashToken(token)));
  // Another process (or an earlier start) may have set it first; then this token is not it.
  return hash === hashToken(token) ? { hash, generatedToken: token } : { hash, generatedToken: null };
}
