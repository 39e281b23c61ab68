// /v1/balances and /v1/transactions: an account's money, in cents, as SF Compute's v1 API gives it.

import type { AppContext } from '../../app/context.js';
import { getBalances, listTransactions } from '../../app/money.js';
import { toCents, toCentsTowardZero } from '../../domain/money.js';
import { cursorPrefixes, formatCursor } from '../../domain/pagination.js';
import type { AccountTransactionRecord } from '../../store/store.js';
import { type ApiServer, tags } from '../api-server.js';
import { accountOf } from '../auth.js';
import { respond } from '../respond.js';
import { errorResponses } from '../schemas/errors.js';
import { BalanceResponse, TransactionsQuery, TransactionsResponse } from '../schemas/money.js';

function renderDetails(transaction: AccountTransactionRecord) {
  if (transaction.type === 'buy_order' || transaction.type === 'sell_order') {
    return { object: 'transaction_details' as const, type: transaction.type, order_id: transaction.orderId ?? '', order: null };
  }
  return { object: 'transaction_details' as const, type: 'credit_grant' as const, memo: transaction.memo ?? '' };
}

function renderTransaction(transaction: AccountTransactionRecord) {
  return {
    object: 'transaction' as const,
    cursor: formatCursor(cursorPrefixes.transactions, transaction.seq),
    transaction_time: transaction.createdAt,
    amount_cents: toCentsTowardZero(transaction.amountMicros),
    balance: toCents(transaction.balanceAfterMicros),
    details: renderDetails(transaction),
  };
}

export function registerBillingRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.billing] };

  app.get('/v1/balances', {
    config,
    schema: { ...tagged, summary: 'Get balances', description: 'Available is what new buy orders can use; current adds what resting buys hold. Cents are rounded down.', response: { 200: BalanceResponse, ...errorResponses(401) } },
  }, async (request, reply) =>
    respond(reply, await getBalances(context, accountOf(request)), 200, (balances) => ({
      object: 'balances' as const,
      available_balance_cents: toCents(balances.cashMicros),
      current_balance_cents: toCents(balances.cashMicros + balances.heldMicros),
      current_overage_cents: 0,
      overage_limit_cents: 0,
      updated_at: balances.readAt,
    })));

  app.get('/v1/transactions', {
    config,
    schema: { ...tagged, summary: 'List transactions', description: 'Credit grants, and buy and sell fills, newest first.', querystring: TransactionsQuery, response: { 200: TransactionsResponse, ...errorResponses(400, 401) } },
  }, async (request, reply) =>
    respond(reply, await listTransactions(context, accountOf(request), request.query), 200, (page) => ({ object: 'list' as const, has_more: page.has_more, data: page.data.map(renderTransaction) })));
}
