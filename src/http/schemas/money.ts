// Money: `/v1/balances` and `/v1/transactions` (SF Compute's market-api GetBalanceResponse and
// ListTransactionsResponse, in cents), and the operator's credit grants.

import { memoLengthMax, transactionsPageSizeDefault, transactionsPageSizeMax } from '../../domain/kernel/limits.js';
import Type from 'typebox';
import { Nullable, UnixEpoch } from './common.js';

export const BalanceResponse = Type.Object({
  object: Type.Literal('balances'),
  available_balance_cents: Type.Integer({ minimum: 0, description: 'What the account can spend: its balance less what resting buy orders hold.' }),
  current_balance_cents: Type.Integer({ minimum: 0, description: 'The account\'s balance, held funds included.' }),
  current_overage_cents: Type.Integer({ minimum: 0, description: 'Always 0: allot grants no overage.' }),
  overage_limit_cents: Type.Integer({ minimum: 0, description: 'Always 0: allot grants no overage.' }),
  updated_at: UnixEpoch,
});

const TransactionType = Type.Union(['stripe_card_payment', 'manual_payment', 'credit_grant', 'refund', 'buy_order', 'sell_order'].map((type) => Type.Literal(type)));

const Details = Type.Union([
  Type.Object({ object: Type.Literal('transaction_details'), type: Type.Literal('credit_grant'), memo: Type.String() }),
  Type.Object({ object: Type.Literal('transaction_details'), type: Type.Union([Type.Literal('buy_order'), Type.Literal('sell_order')]), order_id: Type.String(), order: Type.Null({ description: 'The v2 order is read at GET /preview/v2/orders/{order_id}.' }) }),
]);

export const TransactionsResponse = Type.Object({
  object: Type.Literal('list'),
  has_more: Type.Boolean(),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('transaction'),
      cursor: Type.String({ pattern: '^txc_[0-9a-z]+$' }),
      transaction_time: UnixEpoch,
      amount_cents: Type.Integer({ description: 'Positive when money came in; a buy is negative.' }),
      balance: Type.Integer({ description: 'The balance in cents right after, held funds included.' }),
      details: Details,
    }),
  ),
});

export const TransactionsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: transactionsPageSizeMax, default: transactionsPageSizeDefault })),
  after_time: Type.Optional(UnixEpoch),
  before_time: Type.Optional(UnixEpoch),
  starting_after_cursor: Type.Optional(Type.String()),
  ending_before_cursor: Type.Optional(Type.String()),
  transaction_type: Type.Optional(TransactionType),
});

export const GrantCreditRequest = Type.Object({
  amount_dollars: Type.Union([Type.Number(), Type.String()], { description: 'Dollars to grant, such as 10000 or "10000.00".' }),
  memo: Type.Optional(Nullable(Type.String({ maxLength: memoLengthMax }))),
});

export const CreditResponse = Type.Object({
  object: Type.Literal('credit_grant'),
  account: Type.String(),
  amount_dollars: Type.String(),
  available_balance_dollars: Type.String(),
  current_balance_dollars: Type.String(),
});
