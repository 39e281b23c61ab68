// Resource ids: a canonical prefix, an underscore and 21 characters of [0-9a-zA-Z_-]. Some
// resources were renamed while SF Compute's API was in preview; their old prefixes are accepted
// wherever an id is read and never written.
//
// An id begins with the second it was made in and a count of the ids made in that second, then
// ends in random characters. Ids are primary keys and sit in many indexes: random ones land each
// new row on a random page of every index, so a commit writes (and PostgreSQL's WAL logs) a page
// per row per index, and the pages a burst of writes touches do not stay in cache; ids that grow
// with time land on the last pages, which a group of commits shares. Only the first characters
// order: ids of two processes in one second interleave, and nothing reads an order from an id.

import { idBodyLength, idRandomLength, idSequenceLength, idTimeLength } from './limits.js';

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

/** The same 64 characters in the order of their bytes, so that digits written in it compare as
 * text (byte by byte, as SQLite and a C collation compare) the way their numbers do. */
const orderedDigitAlphabet = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

const idBodyPattern = new RegExp(`^[0-9a-zA-Z_-]{1,${idBodyLength}}$`);

/** Where in time an id is made: the clock's second, and how many ids its process had made in
 * that second before. */
export interface IdOrder {
  readonly atSeconds: number;
  readonly sequence: number;
}

/** Builds an id from its order and random bytes (at least `idRandomLength`). The caller owns the
 * clock and the randomness, so this stays pure and deterministic under a seeded source. */
export function formatId(kind: IdKind, order: IdOrder, randomBytes: Uint8Array): string {
  if (randomBytes.length < idRandomLength) throw new Error(`formatId needs ${idRandomLength} random bytes`);
  let body = orderedDigits(order.atSeconds, idTimeLength) + orderedDigits(order.sequence, idSequenceLength);
  for (let i = 0; i < idRandomLength; i++) body += idAlphabet[randomBytes[i]! & 63];
  return `${idPrefixes[kind]}_${body}`;
}

/** `value` as `length` base-64 digits that sort as text, modulo 64^length (a value past the range
 * wraps rather than lengthening the id). */
function orderedDigits(value: number, length: number): string {
  let rest = Math.max(0, Math.floor(value)) % 64 ** length;
  let digits = '';
  for (let i = 0; i < length; i++) {
    digits = orderedDigitAlphabet[rest % 64]! + digits;
    rest = Math.floor(rest / 64);
  }
  return digits;
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
