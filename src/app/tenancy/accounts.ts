// The operator's use cases for accounts: create one (with its default workspace and first API
// token), list them, and issue further tokens.

import { accountIdFromName, chooseAccountId, defaultWorkspaceName } from '../../domain/tenancy/accounts.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import type { AccountRecord, WorkspaceRecord } from '../../store/tenancy.js';
import { createAccountOperation, getAccountOperation, listAccountsOperation } from '../../domain/tenancy/operations.js';
import { type AppContext, newId } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';
import { issueAccountToken } from './tokens.js';

import { accountIdLengthMax, derivedIdAttemptsMax } from '../../domain/kernel/limits.js';

export interface CreatedAccount {
  readonly account: Omit<AccountRecord, 'seq'>;
  readonly defaultWorkspace: Omit<WorkspaceRecord, 'seq'>;
  readonly token: string;
}

export const createAccount = declaring(createAccountOperation, async function createAccount(context: AppContext, input: { name: string; id?: string | undefined }): Promise<CreatedAccount | Failure> {
  const chosen = chooseAccountId(input.id, input.name);
  if (typeof chosen !== 'string') return chosen;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    let accountId = chosen;
    if (input.id !== undefined) {
      if ((await tx.accounts.find(accountId)) !== undefined) return fail('account_id_taken', `An account with id "${accountId}" already exists`);
    } else {
      for (let attempt = 2; (await tx.accounts.find(accountId)) !== undefined; attempt++) {
        if (attempt > derivedIdAttemptsMax) return fail('account_id_taken', `Too many accounts are named like "${input.name}"; give an explicit id`);
        // Room for the suffix: a hyphen and up to four digits (derivedIdAttemptsMax is 100).
        accountId = `${accountIdFromName(input.name).slice(0, accountIdLengthMax - 5)}-${attempt}`;
      }
    }
    const workspaceId = newId(context, 'workspace');
    const account = { id: accountId, name: input.name, defaultWorkspaceId: workspaceId, createdAt: now };
    await tx.accounts.insert(account);
    const workspace = { id: workspaceId, accountId, name: defaultWorkspaceName, createdAt: now };
    await tx.workspaces.insert(workspace);
    const { token } = await issueAccountToken(context, tx, accountId, now);
    return { account, defaultWorkspace: workspace, token };
  });
});

export const listAccounts = declaring(listAccountsOperation, async function listAccounts(context: AppContext, query: PageQuery): Promise<Page<AccountRecord> | Failure> {
  const page = parsePageQuery(cursorPrefixes.accounts, query);
  if (isFailure(page)) return page;
  const rows = await context.store.read((tx) => tx.accounts.list(page));
  return toPage(cursorPrefixes.accounts, page, rows);
});

export const getAccount = declaring(getAccountOperation, async function getAccount(context: AppContext, accountId: string): Promise<AccountRecord | Failure> {
  const account = await context.store.read((tx) => tx.accounts.find(accountId));
  return account ?? fail('account_not_found', `No account with id "${accountId}"`);
});
