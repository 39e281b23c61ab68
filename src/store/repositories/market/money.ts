// The money ledger: a balance per ledger account, and append-only entries that move money from
// one account to another, so that all balances always sum to zero.

import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { AccountTransactionFilter, AccountTransactionRecord, AccountTransactionRepository, AccountTransactionType, MoneyEntryRecord, MoneyRepository } from '../../market.js';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import { pageBySeq } from '../paging.js';
import { preparedPerCount } from '../prepared.js';
import type { Ahead } from '../../kernel.js';
import { sendLockWaitingAtMost } from '../row-locks.js';
import { moneyLockOutOfOrderWaitMs } from '../../../domain/kernel/limits.js';

/** Ledger accounts locked in key order (`lock`), a shape for each count of keys. */
const lockAccounts = preparedPerCount<{ key: string; balance_micros: number }>(
  (count) => count,
  (db, adapter, _count, keys) => {
    const query = db.selectFrom('money_accounts').selectAll().where('key', 'in', keys as string[]).orderBy('key');
    return adapter.supportsRowLocks ? query.forUpdate() : query;
  },
);

/** What each of `count` ledger accounts gains or loses, in one statement: arguments are key, delta, key, delta… */
const addToAccounts = preparedPerCount(
  (count) => count * 2,
  (db, _adapter, count, args) => {
    const keys = Array.from({ length: count }, (_, index) => args[index * 2] as string);
    const cases = sql.join(keys.map((key, index) => sql`WHEN ${key} THEN CAST(${args[index * 2 + 1]} AS BIGINT)`), sql` `);
    return db
      .updateTable('money_accounts')
      .set({ balance_micros: sql<number>`${sql.ref('balance_micros')} + CASE ${sql.ref('key')} ${cases} END` })
      .where('key', 'in', keys);
  },
);

const moneyEntryColumns = ['id', 'from_key', 'to_key', 'amount_micros', 'reason', 'order_id', 'contract_id', 'created_at'] as const;
/** `count` money entries: arguments are each entry's columns in `moneyEntryColumns` order. */
const insertMoneyEntries = preparedPerCount(
  (count) => count * moneyEntryColumns.length,
  (db, _adapter, count, args) => db.insertInto('money_entries').values(Array.from({ length: count }, (_, row) => rowOf(moneyEntryColumns, args, row)) as never),
);

const accountTransactionColumns = ['id', 'account_id', 'type', 'amount_micros', 'balance_after_micros', 'order_id', 'memo', 'created_at'] as const;
/** `count` account transactions: arguments are each one's columns in `accountTransactionColumns` order. */
const insertAccountTransactions = preparedPerCount(
  (count) => count * accountTransactionColumns.length,
  (db, _adapter, count, args) => db.insertInto('account_transactions').values(Array.from({ length: count }, (_, row) => rowOf(accountTransactionColumns, args, row)) as never),
);

/** Row `row` of a multi-row insert's arguments, as the columns' values. */
function rowOf(columns: readonly string[], args: readonly unknown[], row: number): Record<string, unknown> {
  return Object.fromEntries(columns.map((column, index) => [column, args[row * columns.length + index]]));
}

export class SqlMoneyRepository implements MoneyRepository {
  /**
   * The balances this transaction has locked, kept as its own moves change them: a locked row
   * changes only through this transaction (and on SQLite the transaction holds the database), so
   * reading it again would answer what is known already.
   */
  readonly #locked = new Map<string, number>();

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async lock(keys: readonly string[]): Promise<Map<string, number>> {
    return (await this.lockAhead(keys))();
  }

  async lockAhead(keys: readonly string[]): Promise<Ahead<Map<string, number>>> {
    const unique = [...new Set(keys)].sort();
    const missing = unique.filter((key) => !this.#locked.has(key));
    const read = missing.length === 0 ? null : await this.#sendLock(missing);
    return async () => {
      if (read !== null) {
        let found = await read.rows;
        if (found.length < missing.length) {
          // The rows must exist to be locked: new ledger accounts start at zero.
          const known = new Set(found.map((row) => row.key));
          await this.trx
            .insertInto('money_accounts')
            .values(missing.filter((key) => !known.has(key)).map((key) => ({ key, balance_micros: 0 })))
            .onConflict((oc) => oc.column('key').doNothing())
            .execute();
          const [text, parameters] = this.#selectLocked(missing);
          found = (await this.trx.executeQuery<{ key: string; balance_micros: number }>(CompiledQuery.raw(text, [...parameters]))).rows;
        }
        // A balance this transaction moved since the read was sent is known better than the read.
        for (const row of found) if (!this.#locked.has(row.key)) this.#locked.set(row.key, row.balance_micros);
      }
      return new Map(unique.map((key) => [key, this.#locked.get(key)!]));
    };
  }

  /**
   * Sends the lock of `keys` (sorted) ahead. Holding accounts already, a lock of one that sorts
   * before the greatest held comes out of key order: a fill whose trades were not guessed holds
   * its buyer's money and then wants its sellers', and two such fills whose buyers and sellers
   * cross each want what the other holds. That lock waits at most `moneyLockOutOfOrderWaitMs`.
   */
  async #sendLock(keys: readonly string[]): Promise<{ rows: Promise<{ key: string; balance_micros: number }[]> }> {
    let greatestHeld: string | null = null;
    for (const held of this.#locked.keys()) if (greatestHeld === null || held > greatestHeld) greatestHeld = held;
    const outOfOrder = this.adapter.supportsRowLocks && greatestHeld !== null && keys[0]! < greatestHeld;
    return sendLockWaitingAtMost(this.trx, this.adapter, outOfOrder, moneyLockOutOfOrderWaitMs, () => this.adapter.readAhead<{ key: string; balance_micros: number }>(this.trx, ...this.#selectLocked(keys)));
  }

  /** The SQL and parameters that lock these balances. */
  #selectLocked(keys: readonly string[]): [string, readonly unknown[]] {
    const compiled = lockAccounts(keys.length).compilable(this.trx, this.adapter, ...keys).compile();
    return [compiled.sql, compiled.parameters];
  }

  async move(entry: MoneyEntryRecord): Promise<void> {
    await this.moveAll([entry]);
  }

  async moveAll(entries: readonly MoneyEntryRecord[]): Promise<void> {
    for (const entry of entries) {
      if (!Number.isSafeInteger(entry.amountMicros) || entry.amountMicros < 0) throw new Error(`money moves in whole, non-negative micro-dollars, not ${entry.amountMicros}`);
    }
    const moving = entries.filter((entry) => entry.amountMicros > 0);
    if (moving.length === 0) return;
    // What each ledger account gains or loses in all, written in one statement.
    const deltas = new Map<string, number>();
    for (const entry of moving) {
      deltas.set(entry.fromKey, (deltas.get(entry.fromKey) ?? 0) - entry.amountMicros);
      deltas.set(entry.toKey, (deltas.get(entry.toKey) ?? 0) + entry.amountMicros);
    }
    const changed = [...deltas].filter(([, delta]) => delta !== 0);
    if (changed.length > 0) {
      // The balances are known (locked) already, and the entries are read by no move: both are
      // sent with the transaction's next statement (dialect-adapter.ts, deferWrite).
      const update = addToAccounts(changed.length).compilable(this.trx, this.adapter, ...changed.flat());
      await this.adapter.deferWrite(this.trx, update, 'update', 'money_accounts', null);
      for (const [key, delta] of changed) {
        const balance = this.#locked.get(key);
        if (balance !== undefined) this.#locked.set(key, balance + delta);
      }
    }
    const insert = insertMoneyEntries(moving.length).compilable(
      this.trx,
      this.adapter,
      ...moving.flatMap((entry) => [entry.id, entry.fromKey, entry.toKey, entry.amountMicros, entry.reason, entry.orderId, entry.contractId, entry.createdAt]),
    );
    await this.adapter.deferWrite(this.trx, insert, 'insert', 'money_entries', null);
  }

  /** Forgets what was locked: the ledger was emptied in this transaction (a reset). */
  forgetLocked(): void {
    this.#locked.clear();
  }

  async balances(keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    if (keys.every((key) => this.#locked.has(key))) return new Map(keys.map((key) => [key, this.#locked.get(key)!]));
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
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(transaction: Omit<AccountTransactionRecord, 'seq'>): Promise<void> {
    await this.insertAll([transaction]);
  }

  async insertAll(transactions: readonly Omit<AccountTransactionRecord, 'seq'>[]): Promise<void> {
    if (transactions.length === 0) return;
    const insert = insertAccountTransactions(transactions.length).compilable(
      this.trx,
      this.adapter,
      ...transactions.flatMap((transaction) => [transaction.id, transaction.accountId, transaction.type, transaction.amountMicros, transaction.balanceAfterMicros, transaction.orderId, transaction.memo, transaction.createdAt]),
    );
    await this.adapter.deferWrite(this.trx, insert, 'insert', 'account_transactions', null);
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
