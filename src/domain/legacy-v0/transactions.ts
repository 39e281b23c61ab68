// v0 transactions: the account's money movements in SF Compute's older shape — cents, a
// direction, the balance before and after, and metadata by kind. allot records credit grants and
// the buys and sells of fills; a credit grant is shown as `promotional_credit` (credit the
// operator gave), a buy or sell fill with its order's window and node count.

/** allot's own transaction kinds (`/v1/transactions`). */
export type AccountTransactionKind = 'credit_grant' | 'buy_order' | 'sell_order' | 'refund' | 'manual_payment' | 'stripe_card_payment';

export type V0TransactionType = 'buy' | 'sell' | 'promotional_credit';

export function v0TransactionTypeOf(type: AccountTransactionKind): V0TransactionType | null {
  switch (type) {
    case 'buy_order':
      return 'buy';
    case 'sell_order':
      return 'sell';
    case 'credit_grant':
      return 'promotional_credit';
    default:
      return null;
  }
}

/** The allot transaction types a v0 `transaction_type` filter stands for (none for kinds allot never records). */
export function accountTransactionTypesOf(type: string): AccountTransactionKind[] {
  switch (type) {
    case 'buy':
      return ['buy_order'];
    case 'sell':
      return ['sell_order'];
    case 'promotional_credit':
      return ['credit_grant'];
    default:
      return [];
  }
}
