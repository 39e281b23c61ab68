// Users' use cases: the operator adds people to an account and removes them (revoking their
// tokens); an account lists and reads its users (`/preview/v2/users`); `/preview/v2/me` names
// the user a token acts for.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { declared } from '../../domain/kernel/operations.js';
import { addUserOperation, getMeOperation, getUserOperation, listAccountUsersOperation, listUsersOperation, removeUserOperation } from '../../domain/tenancy/operations.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { userDetails } from '../../domain/tenancy/users.js';
import type { AccountRecord, UserRecord } from '../../store/tenancy.js';
import { type AppContext, newId } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';

const userPathPrefix = 'sfc:user:';

/** A user named as requests name one: its id, or its resource path `sfc:user:<id>`. */
export function userIdOf(reference: string): string {
  return reference.startsWith(userPathPrefix) ? reference.slice(userPathPrefix.length) : reference;
}

function userNotFound(reference: string): Failure {
  return fail('user_not_found', `No user "${reference}"`);
}

/** `POST /admin/v1/accounts/{id}/users`. */
export async function addUser(
  context: AppContext,
  accountId: string,
  input: { email: string; first_name?: string | null | undefined; last_name?: string | null | undefined },
): Promise<UserRecord | Failure> {
  const details = userDetails(input);
  if (isFailure(details)) return declared(addUserOperation, details);
  const now = context.clock.now();
  return declared(addUserOperation, await context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    const user = { id: newId(context, 'user'), accountId, ...details, createdAt: now };
    if ((await tx.users.insert(user)) === 'name_taken') return fail('email_taken', `Account "${accountId}" already has a user with email "${details.email}"`);
    return { ...user, seq: 0 };
  }));
}

export interface UserListQuery extends PageQuery {
  readonly id?: readonly string[] | undefined;
  readonly email?: string | undefined;
}

/** `GET /preview/v2/users`: the account's users, newest first; `id` (ids or resource paths) and
 * `email` (any case) filter. */
export const listUsers = declaring(listUsersOperation, async function listUsers(context: AppContext, accountId: string, query: UserListQuery): Promise<Page<UserRecord> | Failure> {
  const page = parsePageQuery(cursorPrefixes.users, query);
  if (isFailure(page)) return page;
  const filter = {
    ...(query.id === undefined ? {} : { ids: query.id.map(userIdOf) }),
    ...(query.email === undefined ? {} : { email: query.email.trim() }),
  };
  const rows = await context.store.read((tx) => tx.users.list(accountId, page, filter));
  return toPage(cursorPrefixes.users, page, rows);
});

/** `GET /admin/v1/accounts/{id}/users`. */
export const listAccountUsers = declaring(listAccountUsersOperation, async function listAccountUsers(context: AppContext, accountId: string, query: UserListQuery): Promise<Page<UserRecord> | Failure> {
  const account = await context.store.read((tx) => tx.accounts.find(accountId));
  if (account === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
  return listUsers(context, accountId, query);
});

/** `GET /preview/v2/users/{id}`: another account's user is not found. */
export const getUser = declaring(getUserOperation, async function getUser(context: AppContext, accountId: string, reference: string): Promise<UserRecord | Failure> {
  const user = await context.store.read((tx) => tx.users.findById(accountId, userIdOf(reference)));
  return user ?? userNotFound(reference);
});

/** `DELETE /admin/v1/users/{id}`: the user leaves the account, and every token of theirs is
 * revoked with them. */
export const removeUser = declaring(removeUserOperation, async function removeUser(context: AppContext, userId: string): Promise<{ readonly user: UserRecord; readonly revokedTokens: number } | Failure> {
  const now = context.clock.now();
  const removed = await context.store.transaction(async (tx) => {
    const user = await tx.users.findAnyById(userIdOf(userId));
    if (user === undefined) return userNotFound(userId);
    await tx.users.softDelete(user.id, now);
    const revokedTokens = await tx.tokens.revokeOfUser(user.id, now);
    return { user, revokedTokens };
  });
  // Answered once no process can accept the user's tokens any more (Store.untilHeardEverywhere).
  if (!isFailure(removed) && removed.revokedTokens > 0) await context.store.untilHeardEverywhere();
  return removed;
});

/** `/preview/v2/me`: the account, and the user the calling token acts for (null for a token of
 * the account itself). */
export const getMe = declaring(getMeOperation, async function getMe(context: AppContext, caller: { readonly accountId: string; readonly userId: string | null }): Promise<{ readonly account: AccountRecord; readonly user: UserRecord | null } | Failure> {
  return context.store.read(async (tx) => {
    const account = await tx.accounts.find(caller.accountId);
    if (account === undefined) return fail('account_not_found', `No account with id "${caller.accountId}"`);
    const user = caller.userId === null ? null : ((await tx.users.findById(caller.accountId, caller.userId)) ?? null);
    return { account, user };
  });
});
