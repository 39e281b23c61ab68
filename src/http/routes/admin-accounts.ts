// /admin/v1/accounts: the operator creates accounts and issues their API tokens.

import { createAccount, createAccountToken, getAccount, listAccounts } from '../../app/accounts.js';
import type { AppContext } from '../../app/context.js';
import { grantCredit } from '../../app/money.js';
import { formatDollars } from '../../domain/money.js';
import type { AccountRecord } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { respond, respondPage } from '../respond.js';
import {
  AccountPathParams,
  AccountResponse,
  CreateAccountRequest,
  CreatedAccountResponse,
  CreatedTokenResponse,
  ListAccountsQuery,
  ListAccountsResponse,
} from '../schemas/accounts.js';
import { errorResponses } from '../schemas/errors.js';
import { CreditResponse, GrantCreditRequest } from '../schemas/money.js';

function renderAccount(account: Omit<AccountRecord, 'seq'>) {
  return { object: 'account' as const, id: account.id, name: account.name, default_workspace: account.defaultWorkspaceId, created_at: account.createdAt };
}

export function registerAdminAccountRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'operator' as const };
  const route = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.post('/admin/v1/accounts', {
    config,
    schema: { ...route, summary: 'Create an account', description: 'Creates the account, its default workspace and a first API token.', body: CreateAccountRequest, response: { 201: CreatedAccountResponse, ...errorResponses(400, 401, 409) } },
  }, async (request, reply) =>
    respond(reply, await createAccount(context, request.body), 201, (created) => ({ ...renderAccount(created.account), token: created.token })));

  app.get('/admin/v1/accounts', {
    config,
    schema: { ...route, summary: 'List accounts', querystring: ListAccountsQuery, response: { 200: ListAccountsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) =>
    respondPage(reply, await listAccounts(context, request.query), renderAccount));

  app.get('/admin/v1/accounts/:id', {
    config,
    schema: { ...route, summary: 'Get an account', params: AccountPathParams, response: { 200: AccountResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getAccount(context, request.params.id), 200, renderAccount));

  app.post('/admin/v1/accounts/:id/tokens', {
    config,
    schema: { ...route, summary: 'Issue an API token', params: AccountPathParams, response: { 201: CreatedTokenResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) =>
    respond(reply, await createAccountToken(context, request.params.id), 201, (issued) => ({
      object: 'api_token' as const,
      id: issued.id,
      account: issued.accountId,
      token: issued.token,
      created_at: issued.createdAt,
    })));

  app.post('/admin/v1/accounts/:id/credits', {
    config,
    schema: { ...route, summary: 'Grant credit', description: 'Adds dollars to the account\'s available balance, recorded as a credit_grant transaction.', params: AccountPathParams, body: GrantCreditRequest, response: { 201: CreditResponse, ...errorResponses(400, 401, 404, 422) } },
  }, async (request, reply) =>
    respond(reply, await grantCredit(context, request.params.id, request.body.amount_dollars, request.body.memo), 201, (grant) => ({
      object: 'credit_grant' as const,
      account: grant.accountId,
      amount_dollars: formatDollars(grant.amountMicros),
      available_balance_dollars: formatDollars(grant.cashMicros),
      current_balance_dollars: formatDollars(grant.cashMicros + grant.heldMicros),
    })));
}
