// Resource ids: a canonical prefix, an underscore and 21 characters of [0-9a-zA-Z_-]. Some
// resources were renamed while SF Compute's API was in preview; their old prefixes are accepted
// wherever an id is read and never written.

import { idRandomLength } from './limits.js';

export const idPrefixes = {
  workspace: 'wksp',
  pool: 'pool',
  poolTransfer: 'pxfr',
  instance: 'inst',
  image: 'image',
  instanceSku: 'isku',
  instanceTemplate: 'itmpl',
  order: 'ordr',
  procurement: 'proc',
  deployment: 'depl',
  spotDeployment: 'spot',
  contract: 'cont',
  token: 'tokn',
  user: 'user',
  allocationEntry: 'alen',
  moneyEntry: 'mnen',
  transaction: 'txn',
  node: 'n',
  sshKey: 'sshkey',
  host: 'host',
  hostToken: 'htok',
} as const;

export type IdKind = keyof typeof idPrefixes;

/** Legacy prefix → the canonical prefix it stands for (SF Compute's `*Id` schemas). */
const legacyPrefixes: Readonly<Record<string, string>> = {
  cap: 'pool',
  cxfr: 'pxfr',
  vm: 'inst',
  vmi: 'image',
  clus: 'isku',
  ntmpl: 'itmpl',
};

/** The alphabet of id characters, 64 symbols so that one random byte maps to one character. */
export const idAlphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-';

const idBodyPattern = /^[0-9a-zA-Z_-]{1,21}$/;

/** Builds an id from random bytes (at least 21). The caller owns the randomness, so this stays
 * pure and deterministic under a seeded source. */
export function formatId(kind: IdKind, randomBytes: Uint8Array): string {
  if (randomBytes.length < idRandomLength) throw new Error(`formatId needs ${idRandomLength} random bytes`);
  let body = '';
  for (let i = 0; i < idRandomLength; i++) body += idAlphabet[randomBytes[i]! & 63];
  return `${idPrefixes[kind]}_${body}`;
}

/**
 * Reads an id of the given kind, accepting its legacy prefixes, and returns its canonical form,
 * or null when the text is not an id of that kind.
 */
export function parseId(kind: IdKind, text: string): string | null {
  const underscore = text.indexOf('_');
  if (underscore <= 0) return null;
  const prefix = text.slice(0, underscore);
  const body = text.slice(underscore + 1);
  if (!idBodyPattern.test(body)) return null;
  const canonical = idPrefixes[kind];
  if (prefix === canonical || legacyPrefixes[prefix] === canonical) return `${canonical}_${body}`;
  return null;
}

/** The legacy prefixes accepted for an id kind, for documentation and schemas. */
export function legacyPrefixesOf(kind: IdKind): string[] {
  return Object.entries(legacyPrefixes)
    .filter(([, canonical]) => canonical === idPrefixes[kind])
    .map(([legacy]) => legacy);
}
