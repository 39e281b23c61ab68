// Who is calling: an account (by one of its API tokens) or the operator (by the operator token).

import { fail, type Failure } from '../../domain/kernel/failures.js';
import type { AppContext } from '../kernel/context.js';
import { generateToken, hashToken, operatorTokenPrefix, sameHash } from './tokens.js';

export type Audience = 'account' | 'operator';

export type Principal = { readonly kind: 'account'; readonly accountId: string; readonly tokenId: string } | { readonly kind: 'operator' };

type AccountPrincipal = Extract<Principal, { kind: 'account' }>;

const operatorTokenHashSetting = 'operator_token_hash';

/** Token hashes remembered per process, so that most requests skip the token lookup. */
const tokenCacheSizeMax = 10_000;

/**
 * Token hash → who it is, for tokens seen recently. Correct because an account token, once
 * issued, stays valid: allot has no token revocation yet. When it gets one, revoking must clear
 * this cache, and processes sharing a PostgreSQL database must learn of it.
 */
export class TokenCache {
  readonly #principalByHash = new Map<string, AccountPrincipal>();

  get(tokenHash: string): AccountPrincipal | undefined {
    return this.#principalByHash.get(tokenHash);
  }

  remember(tokenHash: string, principal: AccountPrincipal): void {
    if (this.#principalByHash.size >= tokenCacheSizeMax) {
      this.#principalByHash.delete(this.#principalByHash.keys().next().value!);
    }
    this.#principalByHash.set(tokenHash, principal);
  }
}

function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match === null ? null : match[1]!;
}

/**
 * Who a request's `Authorization` header names. Answers synchronously when it can (no token, the
 * operator token, a cached account token) and with a promise when the store must be asked: this
 * runs on every request.
 */
export function authenticate(
  context: AppContext,
  tokens: TokenCache,
  operatorTokenHash: string,
  authorization: string | undefined,
  audience: Audience,
): Principal | Failure | Promise<Principal | Failure> {
  const token = bearerToken(authorization);
  if (token === null) return fail('unauthenticated', 'Missing API token: send "Authorization: Bearer <token>"');
  const tokenHash = hashToken(token);
  if (audience === 'operator') {
    return sameHash(tokenHash, operatorTokenHash) ? { kind: 'operator' } : fail('unauthenticated', 'Invalid operator token');
  }
  const cached = tokens.get(tokenHash);
  if (cached !== undefined) return cached;
  return context.store.read(async (tx) => {
    const token = await tx.tokens.findByHash(tokenHash);
    if (token === undefined) return fail('unauthenticated', 'Invalid API token');
    const principal: AccountPrincipal = { kind: 'account', accountId: token.accountId, tokenId: token.tokenId };
    tokens.remember(tokenHash, principal);
    return principal;
  });
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
