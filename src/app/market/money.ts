// Money: each account's cash (what it can spend) and held funds (what its resting buys hold), the
// operator's fees, and the credit the operator granted — a double-entry ledger in micro-dollars
// whose balances always sum to zero, so credit granted = balances + fees.

import { assert } from '../../domain/kernel/assert.js';
import { transactionsPageSizeDefault } from '../../domain/kernel/limits.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { grantCreditOperation, listTransactionsOperation } from '../../domain/market/operations.js';
import { declaring } from '../kernel/declaring.js';
import { microsPerDollar } from '../../domain/kernel/money.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import type { AccountTransactionRecord, AccountTransactionType } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import { type AppContext, newId } from '../kernel/context.js';
import { ledgerKeys } from '../../domain/market/ledger-keys.js';

export { ledgerKeys } from '../../domain/market/ledger-keys.js';

export interface Balances {
  /** What the account can spend now. */
  readonly cashMicros: number;
  /** What its resting buy orders hold. */
  readonly heldMicros: number;
}

export async function balancesOf(tx: Tx, accountId: string): Promise<Balances> {
  const balances = await tx.money.balances([ledgerKeys.cash(accountId), ledgerKeys.held(accountId)]);
  return { cashMicros: balances.get(ledgerKeys.cash(accountId))!, heldMicros: balances.get(ledgerKeys.held(accountId))! };
}

/** A move of money between two ledger accounts. */
export interface MoneyMove {
  readonly from: string;
  readonly to: string;
  readonly amountMicros: number;
  readonly reason: string;
  readonly orderId?: string | null;
  readonly contractId?: string | null;
}

/** Moves money between ledger accounts (locked by the caller) in the caller's transaction. */
export async function moveMoney(context: AppContext, tx: Tx, move: MoneyMove, now: number): Promise<void> {
  await moveMoneyAll(context, tx, [move], now);
}

/** Makes several moves (between ledger accounts the caller locked) at once, in order. */
export async function moveMoneyAll(context: AppContext, tx: Tx, moves: readonly MoneyMove[], now: number): Promise<void> {
  for (const move of moves) {
    assert(Number.isSafeInteger(move.amountMicros), () => `a money move of ${move.amountMicros} micros, not a whole number (${move.reason})`);
    assert(move.amountMicros >= 0, () => `a money move of ${move.amountMicros} micros, below zero (${move.reason})`);
    assert(move.from !== move.to, () => `a money move from ${move.from} to itself (${move.reason})`);
  }
  await tx.money.moveAll(
    moves.map((move) => ({ id: newId(context, 'moneyEntry'), fromKey: move.from, toKey: move.to, amountMicros: move.amountMicros, reason: move.reason, orderId: move.orderId ?? null, contractId: move.contractId ?? null, createdAt: now })),
  );
}

/** Records what an account sees of a change to its money, with its total balance after. */
export async function recordTransaction(context: AppContext, tx: Tx, accountId: string, type: AccountTransactionType, amountMicros: number, now: number, details: { orderId?: string; memo?: string } = {}): Promise<void> {
  await recordTransactions(context, tx, [{ accountId, type, amountMicros, ...details }], now);
}

/** Records several at once (one statement), each with its account's total balance after all of them. */
export async function recordTransactions(
  context: AppContext,
  tx: Tx,
  transactions: readonly { readonly accountId: string; readonly type: AccountTransactionType; readonly amountMicros: number; readonly orderId?: string; readonly memo?: string }[],
  now: number,
): Promise<void> {
  const records: Omit<AccountTransactionRecord, 'seq'>[] = [];
  for (const transaction of transactions) {
    const balances = await balancesOf(tx, transaction.accountId);
    records.push({
      id: newId(context, 'transaction'),
      accountId: transaction.accountId,
      type: transaction.type,
      amountMicros: transaction.amountMicros,
      balanceAfterMicros: balances.cashMicros + balances.heldMicros,
      orderId: transaction.orderId ?? null,
      memo: transaction.memo ?? null,
      createdAt: now,
    });
  }
  await tx.accountTransactions.insertAll(records);
}

/** Reads an amount of dollars: a number, or a string such as "10000.00". */
export function parseDollars(amount: number | string, field: string): number | Failure {
  const text = typeof amount === 'number' ? (Number.isInteger(amount) ? `${amount}.0` : String(amount)) : amount.includes('.') ? amount : `${amount}.0`;
  const match = /^(\d{1,10})\.(\d{1,6})$/.exec(text);
  if (match === null) return fail('invalid_request', `${field} must be a positive amount of dollars with at most six decimals`, [{ field, code: 'invalid_format', message: `${field} must be dollars, such as 10000 or "10000.00"` }]);
  return Number(match[1]) * microsPerDollar + Number(match[2]!.padEnd(6, '0'));
}

/** The operator grants credit to an account. */
export interface CreditGrant extends Balances {
  readonly accountId: string;
  readonly amountMicros: number;
}

export const grantCredit = declaring(grantCreditOperation, async function grantCredit(context: AppContext, accountId: string, amount: number | string, memo: string | null | undefined): Promise<CreditGrant | Failure> {
  const micros = parseDollars(amount, 'amount_dollars');
  if (isFailure(micros)) return micros;
  if (micros <= 0) return fail('invalid_request', 'amount_dollars must be positive', [{ field: 'amount_dollars', code: 'out_of_range', message: 'amount_dollars must be positive' }]);
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    await tx.money.lock([ledgerKeys.granted, ledgerKeys.cash(accountId), ledgerKeys.held(accountId)]);
    await moveMoney(context, tx, { from: ledgerKeys.granted, to: ledgerKeys.cash(accountId), amountMicros: micros, reason: 'credit_grant' }, now);
    await recordTransaction(context, tx, accountId, 'credit_grant', micros, now, { memo: memo ?? 'Credit granted by the operator' });
    return { accountId, amountMicros: micros, ...(await balancesOf(tx, accountId)) };
  });
});

/** An account's balances, and when they were read. */
export async function getBalances(context: AppContext, accountId: string): Promise<Balances & { readonly readAt: number }> {
  const readAt = context.clock.now();
  return { ...(await context.store.read((tx) => balancesOf(tx, accountId))), readAt };
}

export interface ListTransactionsInput {
  readonly limit?: number | undefined;
  readonly starting_after_cursor?: string | undefined;
  readonly ending_before_cursor?: string | undefined;
  readonly after_time?: number | undefined;
  readonly before_time?: number | undefined;
  readonly transaction_type?: AccountTransactionType | undefined;
}

export const listTransactions = declaring(listTransactionsOperation, async function listTransactions(context: AppContext, accountId: string, input: ListTransactionsInput): Promise<Page<AccountTransactionRecord> | Failure> {
  const query: PageQuery = { limit: input.limit ?? transactionsPageSizeDefault, starting_after: input.starting_after_cursor, ending_before: input.ending_before_cursor };
  const page = parsePageQuery(cursorPrefixes.transactions, query);
  if (isFailure(page)) return page;
  const rows = await context.store.read((tx) =>
    tx.accountTransactions.list({ accountId, after: input.after_time ?? null, before: input.before_time ?? null, type: input.transaction_type ?? null }, page),
  );
  return toPage(cursorPrefixes.transactions, page, rows);
});

