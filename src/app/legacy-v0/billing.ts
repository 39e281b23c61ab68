// `/v0/balance` and `/v0/transactions`: the account's money in SF Compute's older shapes, read
// from the money ledger `/v1/balances` and `/v1/transactions` read.

import { type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { listV0TransactionsOperation } from '../../domain/legacy-v0/operations.js';
import { declaring } from '../kernel/declaring.js';
import { cursorPrefixes, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { transactionsPageSizeDefault, v0PageSizeMax } from '../../domain/kernel/limits.js';
import { accountTransactionTypesOf } from '../../domain/legacy-v0/transactions.js';
import type { InstanceSkuRecord } from '../../store/allocation.js';
import type { AccountTransactionRecord, OrderView } from '../../store/market.js';
import type { AppContext } from '../kernel/context.js';
import { type Balances, getBalances } from '../market/money.js';

export async function getV0Balance(context: AppContext, accountId: string): Promise<Balances> {
  return getBalances(context, accountId);
}

export interface V0TransactionReading {
  readonly transaction: AccountTransactionRecord;
  /** The order of a buy or sell, with its SKU. */
  readonly order: { readonly order: OrderView; readonly sku: InstanceSkuRecord } | null;
}

export interface V0TransactionsPage {
  readonly data: readonly V0TransactionReading[];
  readonly has_more: boolean;
}

export interface V0TransactionsInput {
  readonly limit?: number | undefined;
  readonly starting_after?: string | undefined;
  readonly ending_before?: string | undefined;
  readonly transaction_type?: string | undefined;
}

/** Newest first; a transaction's `id` is its cursor (`txc_…`), for `starting_after` and `ending_before`. */
export const listV0Transactions = declaring(listV0TransactionsOperation, async function listV0Transactions(context: AppContext, accountId: string, input: V0TransactionsInput): Promise<V0TransactionsPage | Failure> {
  const limit = input.limit ?? transactionsPageSizeDefault;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > v0PageSizeMax) return invalidField('limit', 'out_of_range', `limit is from 1 to ${v0PageSizeMax}`);
  const page = parsePageQuery(cursorPrefixes.transactions, { limit, starting_after: input.starting_after, ending_before: input.ending_before });
  if (isFailure(page)) return page;
  const types = input.transaction_type === undefined ? null : accountTransactionTypesOf(input.transaction_type);
  return context.store.read(async (tx) => {
    if (types !== null && types.length === 0) return { data: [], has_more: false };
    const rows = await tx.accountTransactions.list({ accountId, after: null, before: null, type: types?.[0] ?? null }, page);
    const transactions = toPage(cursorPrefixes.transactions, page, rows);
    const skus = new Map((await tx.instanceSkus.listAll()).map((sku) => [sku.id, sku]));
    const data: V0TransactionReading[] = [];
    for (const transaction of transactions.data) {
      const order = transaction.orderId === null ? undefined : await tx.orders.findById(accountId, transaction.orderId);
      data.push({ transaction, order: order === undefined ? null : { order, sku: skus.get(order.instanceSkuId)! } });
    }
    return { data, has_more: transactions.has_more };
  });
});
