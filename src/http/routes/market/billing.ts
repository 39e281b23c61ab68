// /v1/balances and /v1/transactions: an account's money, in cents, as SF Compute's v1 API gives
// it; and the operator's /admin/v1/accounts/{id}/credits, which grants it.

import type { AppContext } from '../../../app/kernel/context.js';
import { getBalances, grantCredit, listTransactions } from '../../../app/market/money.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderBalances, renderCreditGrant, renderTransactions } from '../../render/market.js';
import { respond } from '../../respond.js';
import { AccountPathParams } from '../../schemas/accounts.js';
import { errorResponses } from '../../schemas/errors.js';
import { BalanceResponse, CreditResponse, GrantCreditRequest, TransactionsQuery, TransactionsResponse } from '../../schemas/money.js';

export function registerBillingRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.billing] };

  app.get('/v1/balances', {
    config,
    schema: { ...tagged, summary: 'Get balances', description: 'Available is what new buy orders can use; current adds what resting buys hold. Cents are rounded down.', response: { 200: BalanceResponse, ...errorResponses(401) } },
  }, async (request, reply) => respond(reply, await getBalances(context, accountOf(request)), 200, renderBalances));

  app.get('/v1/transactions', {
    config,
    schema: { ...tagged, summary: 'List transactions', description: 'Credit grants, and buy and sell fills, newest first.', querystring: TransactionsQuery, response: { 200: TransactionsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) => respond(reply, await listTransactions(context, accountOf(request), request.query), 200, renderTransactions));

  app.post('/admin/v1/accounts/:id/credits', {
    config: { audience: 'operator', failureStatus: { invalid_request: 400 } },
    schema: { tags: [tags.admin], security: [{ admin_token: [] }], summary: 'Grant credit', description: 'Adds dollars to the account\'s available balance, recorded as a credit_grant transaction.', params: AccountPathParams, body: GrantCreditRequest, response: { 201: CreditResponse, ...errorResponses(400, 401, 404, 422) } },
  }, async (request, reply) =>
    respond(reply, await grantCredit(context, request.params.id, request.body.amount_dollars, request.body.memo), 201, renderCreditGrant));
}
