// The money ledger: a balance per ledger account, and append-only entries that move money from
// one account to another, so that all balances always sum to zero.

import type { Kysely } from 'kysely';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { AccountTransactionFilter, AccountTransactionRecord, AccountTransactionRepository, AccountTransactionType, MoneyEntryRecord, MoneyRepository } from '../../market.js';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import { pageBySeq } from '../paging.js';

export class SqlMoneyRepository implements MoneyRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async lock(keys: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(keys)].sort();
    if (unique.length === 0) return new Map();
    await this.trx
      .insertInto('money_accounts')
      .values(unique.map((key) => ({ key, balance_micros: 0 })))
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    let query = this.trx.selectFrom('money_accounts').selectAll().where('key', 'in', unique).orderBy('key');
    if (this.adapter.supportsRowLocks) query = query.forUpdate();
    return new Map((await query.execute()).map((row) => [row.key, row.balance_micros]));
  }

  async move(entry: MoneyEntryRecord): Promise<void> {
    if (!Number.isSafeInteger(entry.amountMicros) || entry.amountMicros < 0) throw new Error(`money moves in whole, non-negative micro-dollars, not ${entry.amountMicros}`);
    if (entry.amountMicros === 0) return;
    await this.trx.updateTable('money_accounts').set((eb) => ({ balance_micros: eb('balance_micros', '-', entry.amountMicros) })).where('key', '=', entry.fromKey).execute();
    await this.trx.updateTable('money_accounts').set((eb) => ({ balance_micros: eb('balance_micros', '+', entry.amountMicros) })).where('key', '=', entry.toKey).execute();
    await this.trx
      .insertInto('money_entries')
      .values({
        id: entry.id,
        from_key: entry.fromKey,
        to_key: entry.toKey,
        amount_micros: entry.amountMicros,
        reason: entry.reason,
        order_id: entry.orderId,
        contract_id: entry.contractId,
        created_at: entry.createdAt,
      })
      .execute();
  }

  async balances(keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.trx.selectFrom('money_accounts').selectAll().where('key', 'in', keys).execute();
    const balances = new Map(keys.map((key) => [key, 0]));
    for (const row of rows) balances.set(row.key, row.balance_micros);
    return balances;
  }

  async allBalances(): Promise<Map<string, number>> {
    return new Map((await this.trx.selectFrom('money_accounts').selectAll().execute()).map((row) => [row.key, row.balance_micros]));
  }

  async allEntries(): Promise<MoneyEntryRecord[]> {
    const rows = await this.trx.selectFrom('money_entries').selectAll().orderBy('seq').execute();
    return rows.map((row) => ({
      id: row.id,
      fromKey: row.from_key,
      toKey: row.to_key,
      amountMicros: row.amount_micros,
      reason: row.reason,
      orderId: row.order_id,
      contractId: row.contract_id,
      createdAt: row.created_at,
    }));
  }
}

export class SqlAccountTransactionRepository implements AccountTransactionRepository {
  constructor(private readonly trx: Kysely<Database>) {}

  async insert(transaction: Omit<AccountTransactionRecord, 'seq'>): Promise<void> {
    await this.trx
      .insertInto('account_transactions')
      .values({
        id: transaction.id,
        account_id: transaction.accountId,
        type: transaction.type,
        amount_micros: transaction.amountMicros,
        balance_after_micros: transaction.balanceAfterMicros,
        order_id: transaction.orderId,
        memo: transaction.memo,
        created_at: transaction.createdAt,
      })
      .execute();
  }

  async list(filter: AccountTransactionFilter, page: PageRequest): Promise<AccountTransactionRecord[]> {
    let query = this.trx.selectFrom('account_transactions').selectAll().where('account_id', '=', filter.accountId);
    if (filter.after !== null) query = query.where('created_at', '>', filter.after);
    if (filter.before !== null) query = query.where('created_at', '<', filter.before);
    if (filter.type !== null) query = query.where('type', '=', filter.type);
    const rows = await pageBySeq(query, 'seq', page).execute();
    return rows.map((row) => ({
      seq: row.seq,
      id: row.id,
      accountId: row.account_id,
      type: row.type as AccountTransactionType,
      amountMicros: row.amount_micros,
      balanceAfterMicros: row.balance_after_micros,
      orderId: row.order_id,
      memo: row.memo,
      createdAt: row.created_at,
    }));
  }
}
