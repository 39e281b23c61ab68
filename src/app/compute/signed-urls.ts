// URLs allot hands out for uploading and downloading image bytes, in the manner of presigned
// object-store URLs: the path, an expiry and an HMAC over both. Whoever holds the URL may use it
// until it expires, without a token.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { RandomSource } from '../kernel/context.js';

/** Where earlier versions kept the key, in clear, in the database; moved out at start. */
export const signingKeySetting = 'url_signing_key';

/** Where the key comes from: derived from a secret every process is given, or kept in a file
 * only the owner may read (store/key-file.ts), beside the database. */
export type UrlSigningKeySource = { readonly secret: string } | { readonly file: { readOrCreate(make: () => string): string } };

/**
 * The key that signs URLs. Kept out of the database, so that whoever reads the database cannot
 * forge URLs; the same across restarts and across the processes sharing a database, as long as
 * they are given the same secret or share the file. A key an earlier version left in the
 * database becomes the file's (so that URLs handed out before stay good) and leaves the database.
 */
export async function loadUrlSigningKey(store: Store, random: RandomSource, source: UrlSigningKeySource): Promise<string> {
  const stored = await store.read((tx) => tx.settings.get(signingKeySetting));
  const key = 'secret' in source
    ? createHmac('sha256', source.secret).update('allot url signing key').digest('base64url')
    : source.file.readOrCreate(() => stored ?? Buffer.from(random.bytes(32)).toString('base64url'));
  if (stored !== undefined) await store.transaction((tx) => tx.settings.remove(signingKeySetting));
  return key;
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
