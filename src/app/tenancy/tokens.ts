// API tokens: random, shown once, stored as a SHA-256 hash. A token carries 256 random bits, so a
// fast hash is enough: there is nothing to brute-force, and a slow one (bcrypt, scrypt) would
// cost every request its time for no gain (it protects low-entropy secrets such as passwords).
// Tokens are named, may expire, and are revoked rather than deleted, so that the orders they
// placed still name them.
//
// The use cases: issuing a token (the operator's, and the caller's own through `/v0/tokens`),
// listing an account's tokens, and revoking one.

import * as crypto from 'node:crypto';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { declared } from '../../domain/kernel/operations.js';
import { issueOperatorTokenOperation, issueOwnTokenOperation, listAccountTokensOperation, listOwnTokensOperation, revokeAnyTokenOperation, revokeOwnTokenOperation } from '../../domain/tenancy/operations.js';
import { tokenRandomBytes } from '../../domain/kernel/limits.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { expiryAt, expiryFromLifetime, tokenLabels } from '../../domain/tenancy/tokens.js';
import type { Tx } from '../../store/store.js';
import type { TokenRecord } from '../../store/tenancy.js';
import { declaring } from '../kernel/declaring.js';
import { type AppContext, newId } from '../kernel/context.js';

/** Account tokens start with this, so that they are recognisable in logs and secret scanners. */
export const accountTokenPrefix = 'allot_sk_';
/** The operator token, when allot generates it. */
export const operatorTokenPrefix = 'allot_admin_';

/** Every request hashes its token: the one-shot `hash` (Node.js 20.12 and later) costs a third
 * of `createHash`. */
export const hashToken: (token: string) => string =
  typeof crypto.hash === 'function' ? (token) => crypto.hash('sha256', token, 'hex') : (token) => crypto.createHash('sha256').update(token).digest('hex');

export function generateToken(context: AppContext, prefix: string): string {
  return prefix + Buffer.from(context.random.bytes(tokenRandomBytes)).toString('base64url');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** A token just issued: its record and its value, which is shown this once. */
export interface IssuedToken {
  readonly record: TokenRecord;
  readonly token: string;
}

export interface TokenSpec {
  readonly accountId: string;
  readonly userId: string | null;
  readonly name: string | null;
  readonly description: string | null;
  readonly originClient: string | null;
  readonly expiresAt: number | null;
}

/** Creates a token inside the caller's transaction and returns it with its one-time value. */
export async function issueToken(context: AppContext, tx: Tx, spec: TokenSpec, now: number): Promise<IssuedToken> {
  const token = generateToken(context, accountTokenPrefix);
  const id = newId(context, 'token');
  const record = { ...spec, id, tokenHash: hashToken(token), suffix: token.slice(-4), createdAt: now };
  await tx.tokens.insert(record);
  // The sequence is the store's; nothing reads it from a token just issued.
  return { record: { ...record, seq: 0, revokedAt: null, lastActiveAt: null }, token };
}

/** A token of the account itself, unnamed and never expiring: an account's first token. */
export async function issueAccountToken(context: AppContext, tx: Tx, accountId: string, now: number): Promise<{ id: string; token: string; createdAt: number }> {
  const issued = await issueToken(context, tx, { accountId, userId: null, name: null, description: null, originClient: null, expiresAt: null }, now);
  return { id: issued.record.id, token: issued.token, createdAt: now };
}

/** What the operator may say of a token it issues. */
export interface OperatorTokenInput {
  readonly name?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly expires_at?: number | null | undefined;
  /** The user the token acts for; absent or null for a token of the account. */
  readonly user?: string | null | undefined;
}

/** `POST /admin/v1/accounts/{id}/tokens`. */
export async function issueOperatorToken(context: AppContext, accountId: string, input: OperatorTokenInput): Promise<IssuedToken | Failure> {
  return declared(issueOperatorTokenOperation, await issueOperatorTokenChecked(context, accountId, input));
}

async function issueOperatorTokenChecked(context: AppContext, accountId: string, input: OperatorTokenInput): Promise<IssuedToken | Failure> {
  const now = context.clock.now();
  const labels = tokenLabels(input.name, input.description);
  if (isFailure(labels)) return labels;
  const expiresAt = expiryAt(now, input.expires_at);
  if (isFailure(expiresAt)) return expiresAt;
  return context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    let userId: string | null = null;
    if (input.user !== undefined && input.user !== null) {
      const user = await tx.users.findById(accountId, input.user);
      if (user === undefined) return fail('user_not_found', `Account "${accountId}" has no user "${input.user}"`);
      userId = user.id;
    }
    return issueToken(context, tx, { accountId, userId, ...labels, originClient: null, expiresAt }, now);
  });
}

/** What `POST /v0/tokens` gives. */
export interface OwnTokenInput {
  readonly expires_in_seconds: number;
  readonly name?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly origin_client: string;
}

/** `POST /v0/tokens`: a caller issues itself another token, acting for the same user (or for the
 * account) as the token it called with. */
export async function issueOwnToken(context: AppContext, caller: { readonly accountId: string; readonly userId: string | null }, input: OwnTokenInput): Promise<IssuedToken | Failure> {
  const now = context.clock.now();
  const labels = tokenLabels(input.name, input.description);
  if (isFailure(labels)) return declared(issueOwnTokenOperation, labels);
  const expiresAt = expiryFromLifetime(now, input.expires_in_seconds);
  if (isFailure(expiresAt)) return declared(issueOwnTokenOperation, expiresAt);
  return context.store.transaction((tx) =>
    issueToken(context, tx, { accountId: caller.accountId, userId: caller.userId, ...labels, originClient: input.origin_client, expiresAt }, now));
}

/** One page of an account's tokens, newest first, with the time they are judged at. */
export interface TokenPage extends Page<TokenRecord> {
  readonly now: number;
}

/** `GET /admin/v1/accounts/{id}/tokens`: every token, revoked ones included. */
export const listAccountTokens = declaring(listAccountTokensOperation, async function listAccountTokens(context: AppContext, accountId: string, query: PageQuery): Promise<TokenPage | Failure> {
  const page = parsePageQuery(cursorPrefixes.tokens, query);
  if (isFailure(page)) return page;
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    const rows = await tx.tokens.list(accountId, page, { includeRevoked: true });
    return { ...toPage(cursorPrefixes.tokens, page, rows), now };
  });
});

/** `GET /v0/tokens`: the caller's account's tokens that are not revoked (expired ones show, so
 * that their owner sees why they stopped working). */
export const listOwnTokens = declaring(listOwnTokensOperation, async function listOwnTokens(context: AppContext, accountId: string, query: PageQuery): Promise<TokenPage | Failure> {
  const page = parsePageQuery(cursorPrefixes.tokens, query);
  if (isFailure(page)) return page;
  const now = context.clock.now();
  const rows = await context.store.read((tx) => tx.tokens.list(accountId, page, { includeRevoked: false }));
  return { ...toPage(cursorPrefixes.tokens, page, rows), now };
});

/** A token after a revocation, with the time it is judged at. */
export interface RevokedToken {
  readonly record: TokenRecord;
  readonly now: number;
}

/** `DELETE /admin/v1/tokens/{id}`: the operator revokes any account's token. Revoking a revoked
 * token changes nothing and answers the token as it is. */
export const revokeAnyToken = declaring(revokeAnyTokenOperation, async function revokeAnyToken(context: AppContext, tokenId: string): Promise<RevokedToken | Failure> {
  const now = context.clock.now();
  const revoked = await context.store.transaction(async (tx) => {
    const token = await tx.tokens.findById(tokenId);
    if (token === undefined) return fail('token_not_found', `No API token with id "${tokenId}"`);
    await tx.tokens.revoke(token.id, now);
    return { record: { ...token, revokedAt: token.revokedAt ?? now }, now };
  });
  // Answered once no process can accept the token any more (Store.untilHeardEverywhere).
  if (!isFailure(revoked)) await context.store.untilHeardEverywhere();
  return revoked;
});

/** `DELETE /v0/tokens/{id}`: a caller revokes one of its account's tokens (the one it calls with
 * too). A revoked token, like another account's, is not found: to its owner it is gone. */
export async function revokeOwnToken(context: AppContext, accountId: string, tokenId: string): Promise<RevokedToken | Failure> {
  const now = context.clock.now();
  const revoked = await context.store.transaction(async (tx) => {
    const token = await tx.tokens.findById(tokenId);
    if (token === undefined || token.accountId !== accountId || token.revokedAt !== null) return fail('token_not_found', `No API token with id "${tokenId}"`);
    await tx.tokens.revoke(token.id, now);
    return { record: { ...token, revokedAt: now }, now };
  });
  // Answered once no process can accept the token any more (Store.untilHeardEverywhere).
  if (!isFailure(revoked)) await context.store.untilHeardEverywhere();
  return declared(revokeOwnTokenOperation, revoked);
}
