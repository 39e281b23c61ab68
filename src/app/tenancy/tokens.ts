// API tokens: random, shown once, stored as a SHA-256 hash. A token has 256 bits of entropy, so a
// fast hash is enough: there is nothing to brute-force.

import * as crypto from 'node:crypto';
import { tokenRandomBytes } from '../../domain/kernel/limits.js';
import type { Tx } from '../../store/store.js';
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

/** Creates a token for an account inside the caller's transaction and returns its one-time value. */
export async function issueAccountToken(context: AppContext, tx: Tx, accountId: string, now: number): Promise<{ id: string; token: string; createdAt: number }> {
  const token = generateToken(context, accountTokenPrefix);
  const id = newId(context, 'token');
  await tx.tokens.insert({ id, accountId, tokenHash: hashToken(token), suffix: token.slice(-4), createdAt: now });
  return { id, token, createdAt: now };
}
