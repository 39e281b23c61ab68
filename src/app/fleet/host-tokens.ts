// Host tokens: what an agent authenticates with. Random, shown once, stored as a SHA-256 hash (as
// account tokens are, app/tenancy/tokens.ts); revoked rather than deleted, so that the hosts that
// registered with one still name it. A revoked token is refused from the next call on, on every
// allot process (it is read from the store on every call).

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { tokenNameLengthMax } from '../../domain/kernel/limits.js';
import { createHostTokenOperation, listHostTokensOperation, revokeHostTokenOperation } from '../../domain/fleet/operations.js';
import { declaring } from '../kernel/declaring.js';
import type { HostTokenRecord } from '../../store/fleet.js';
import { type AppContext, newId } from '../kernel/context.js';
import { generateToken, hashToken } from '../tenancy/tokens.js';

/** Host tokens start with this, so that they are recognisable in logs and secret scanners. */
export const hostTokenPrefix = 'allot_host_';

export interface CreatedHostToken {
  readonly record: HostTokenRecord;
  readonly token: string;
}

export const createHostToken = declaring(createHostTokenOperation, async function createHostToken(context: AppContext, input: { readonly name: string }): Promise<CreatedHostToken | Failure> {
  const name = input.name.trim();
  if (name === '') return invalidField('name', 'empty', 'A host token needs a name');
  if (name.length > tokenNameLengthMax) return invalidField('name', 'too_long', `A host token name is at most ${tokenNameLengthMax} characters`);
  const now = context.clock.now();
  const token = generateToken(context, hostTokenPrefix);
  const record: HostTokenRecord = { seq: 0, id: newId(context, 'hostToken'), name, tokenHash: hashToken(token), suffix: token.slice(-4), createdAt: now, revokedAt: null };
  await context.store.transaction((tx) => tx.fleet.insertToken(record));
  return { record, token };
});

/** A page of the host tokens, revoked ones included, newest first. */
export const listHostTokens = declaring(listHostTokensOperation, async function listHostTokens(context: AppContext, query: PageQuery): Promise<Page<HostTokenRecord> | Failure> {
  const page = parsePageQuery(cursorPrefixes.hostTokens, query);
  if (isFailure(page)) return page;
  const tokens = await context.store.read((tx) => tx.fleet.listTokens(page));
  return toPage(cursorPrefixes.hostTokens, page, tokens);
});

export const revokeHostToken = declaring(revokeHostTokenOperation, async function revokeHostToken(context: AppContext, id: string): Promise<HostTokenRecord | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const token = await tx.fleet.findToken(id);
    if (token === undefined) return fail('host_token_not_found', `No host token ${id}`);
    await tx.fleet.revokeToken(id, now);
    return (await tx.fleet.findToken(id))!;
  });
});

function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match === null ? null : match[1]!;
}

/** The host token a request's `Authorization` names, or why it is refused. */
export async function authenticateHostToken(context: AppContext, authorization: string | undefined): Promise<{ readonly tokenId: string } | Failure> {
  const token = bearerToken(authorization);
  if (token === null) return fail('unauthenticated', 'Missing host token: send "Authorization: Bearer <host token>"');
  const record = await context.store.read((tx) => tx.fleet.findTokenByHash(hashToken(token)));
  if (record === undefined) return fail('unauthenticated', 'Invalid host token');
  if (record.revokedAt !== null) return fail('unauthenticated', 'This host token has been revoked');
  return { tokenId: record.id };
}
