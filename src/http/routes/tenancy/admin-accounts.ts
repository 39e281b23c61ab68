// /admin/v1/accounts: the operator creates accounts and issues their API tokens. (Credit grants
// are the market's: routes/market/billing.ts.)

import { createAccount, getAccount, listAccounts } from '../../../app/tenancy/accounts.js';
import { issueOperatorToken } from '../../../app/tenancy/tokens.js';
import type { AppContext } from '../../../app/kernel/context.js';
import { type ApiServer, tags } from '../../api-server.js';
import { renderAccount, renderCreatedAccount, renderCreatedToken } from '../../render/tenancy.js';
import { respond, respondPage } from '../../respond.js';
import {
  AccountPathParams,
  AccountResponse,
  CreateAccountRequest,
  CreatedAccountResponse,
  ListAccountsQuery,
  ListAccountsResponse,
} from '../../schemas/accounts.js';
import { errorResponses } from '../../schemas/errors.js';
import { CreatedTokenResponse, IssueTokenRequest } from '../../schemas/tokens.js';
import { registerAdminTokenRoutes } from './admin-tokens.js';

export function registerAdminAccountRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'operator' as const };
  const route = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.post('/admin/v1/accounts', {
    config,
    schema: { ...route, summary: 'Create an account', description: 'Creates the account, its default workspace and a first API token.', body: CreateAccountRequest, response: { 201: CreatedAccountResponse, ...errorResponses(400, 401, 409) } },
  }, async (request, reply) =>
    respond(reply, await createAccount(context, request.body), 201, renderCreatedAccount));

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
    // The body is optional: without one the token is the account's own, unnamed, never expiring.
    preValidation: (request, _reply, done) => {
      if (request.body === undefined || request.body === null) request.body = {};
      done();
    },
    schema: {
      ...route,
      summary: 'Issue an API token',
      description: 'Issues a token of the account, or of one of its users (`user`); optionally named and expiring. The token is in this response only.',
      params: AccountPathParams,
      body: IssueTokenRequest,
      response: { 201: CreatedTokenResponse, ...errorResponses(400, 401, 404) },
    },
  }, async (request, reply) =>
    respond(reply, await issueOperatorToken(context, request.params.id, request.body), 201, renderCreatedToken));

  registerAdminTokenRoutes(app, context);
}
