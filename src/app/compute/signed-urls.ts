// URLs allot hands out for uploading and downloading image bytes, in the manner of presigned
// object-store URLs: the path, an expiry and an HMAC over both. Whoever holds the URL may use it
// until it expires, without a token.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { RandomSource } from '../kernel/context.js';

const signingKeySetting = 'url_signing_key';

/** The key that signs URLs, made at a database's first start and kept, so URLs outlive restarts
 * and are honoured by every process sharing the database. */
export async function loadUrlSigningKey(store: Store, random: RandomSource): Promise<string> {
  return store.transaction((tx) => tx.settings.setIfAbsent(signingKeySetting, Buffer.from(random.bytes(32)).toString('base64url')));
}

function signature(key: string, path: string, expiresAt: number): string {
  return createHmac('sha256', key).update(`${path}\n${expiresAt}`).digest('base64url');
}

export function signPath(key: string, path: string, expiresAt: number): string {
  return `${path}?expires=${expiresAt}&signature=${signature(key, path, expiresAt)}`;
}

/** Whether a signed path is genuine and unexpired at `now`. */
export function verifySignedPath(key: string, path: string, expiresAt: number, given: string, now: number): boolean {
  if (!Number.isInteger(expiresAt) || expiresAt < now) return false;
  const expected = Buffer.from(signature(key, path, expiresAt));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
