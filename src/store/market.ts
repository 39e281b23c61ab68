// The market's records and repositories: orders and the book, contracts, the money ledger and
// what accounts see of it, and procurements.

import type { PageRequest } from '../domain/kernel/pagination.js';
import type { BookOrder } from '../domain/market/book.js';
import type { Side } from '../domain/market/matching.js';
import type { OrderStatus } from '../domain/market/orders.js';
import type { SettledContract } from '../domain/market/settlement.js';
import type { Schedule } from '../domain/kernel/schedule.js';
import type { Ahead, NamedWrite } from './kernel.js';
import type { InstanceSkuRecord } from './allocation.js';

export type OrderSide = Side;

export interface OrderRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly poolId: string;
  readonly side: OrderSide;
  readonly instanceSkuId: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
  /** Micro-dollars per node-hour. */
  readonly limitMicros: number;
  readonly allowStanding: boolean;
  readonly allowPartial: boolean;
  readonly status: OrderStatus;
  /** Nodes not yet filled, over time. */
  readonly remaining: Schedule;
  /** Nodes filled so far, over time. */
  readonly filled: Schedule;
  /** Money a buy still holds out of its account's balance. */
  readonly holdMicros: number;
  readonly procurementId: string | null;
  /** The API token that placed it. */
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly filledAt: number | null;
  readonly cancelledAt: number | null;
  readonly rejectedReason: string | null;
}

export interface OrderView extends OrderRecord {
  readonly poolName: string;
  readonly instanceSkuAlias: string;
  /** Who `createdBy` names: the token's name, and the user it acts for (null for an account's
   * token). Null when no token placed the order. */
  readonly creator: { readonly tokenName: string | null; readonly userId: string | null; readonly userEmail: string | null } | null;
}

export type OrderChanges = Partial<Pick<OrderRecord, 'status' | 'remaining' | 'filled' | 'holdMicros' | 'filledAt' | 'cancelledAt' | 'rejectedReason'>> & { readonly updatedAt: number };

export type OrderSort = 'created_at' | '-created_at' | 'start_at' | '-start_at';

export interface OrderListFilter {
  readonly accountId: string;
  readonly ids: readonly string[] | null;
  readonly poolId: string | null;
  readonly workspaceId: string | null;
  readonly side: OrderSide | null;
  readonly statuses: readonly OrderStatus[] | null;
  readonly createdAfter: number | null;
  readonly createdBefore: number | null;
  /** null: only orders no procurement placed; otherwise that procurement's. */
  readonly procurementId: string | null;
  readonly sort: OrderSort;
}

export interface DueExpiry {
  readonly id: string;
  readonly instanceSkuId: string;
  readonly endAt: number;
}

/** Which resting orders a book read wants: one side of one or more SKUs, overlapping a window. */
export interface BookQuery {
  readonly instanceSkuIds: readonly string[];
  readonly side: OrderSide;
  /** Buys at or above, or sells at or below, this price; null for any. */
  readonly priceBound: number | null;
  readonly overlapsFrom: number;
  readonly overlapsTo: number;
}

/** A settled contract as kept: `seq` orders contracts as they were written. */
export interface ContractRecord extends SettledContract {
  readonly seq: number;
}

export interface ContractListFilter {
  readonly instanceSkuIds: readonly string[];
  readonly overlapsFrom: number;
  readonly overlapsTo: number;
  readonly since: number;
}

/** Which of an account's bought contracts to read (each bound exclusive after, inclusive at or before). */
export interface BuyerContractFilter {
  readonly accountId: string;
  /** null: every SKU. */
  readonly instanceSkuIds: readonly string[] | null;
  readonly startAfter: number | null;
  readonly startAtOrBefore: number | null;
  readonly endAfter: number | null;
  readonly endAtOrBefore: number | null;
}

/** A contract with what its buy order says of it: the pool it filled into and the procurement that placed it. */
export interface BuyerContract extends ContractRecord {
  readonly poolId: string;
  readonly procurementId: string | null;
}

export interface MoneyEntryRecord {
  readonly id: string;
  readonly fromKey: string;
  readonly toKey: string;
  readonly amountMicros: number;
  readonly reason: string;
  readonly orderId: string | null;
  readonly contractId: string | null;
  readonly createdAt: number;
}

export type AccountTransactionType = 'credit_grant' | 'buy_order' | 'sell_order' | 'refund' | 'manual_payment' | 'stripe_card_payment';

export interface AccountTransactionRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly type: AccountTransactionType;
  readonly amountMicros: number;
  readonly balanceAfterMicros: number;
  readonly orderId: string | null;
  readonly memo: string | null;
  readonly createdAt: number;
}

export interface AccountTransactionFilter {
  readonly accountId: string;
  readonly after: number | null;
  readonly before: number | null;
  readonly type: AccountTransactionType | null;
}

export interface ProcurementRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly poolId: string;
  readonly instanceSkuId: string;
  /** Nodes, or `node_count`: the pool's non-terminated instances of the SKU. */
  readonly target: number | 'node_count';
  readonly minSellMicros: number;
  readonly maxBuyMicros: number;
  readonly managedWindowMinutes: number;
  /** Before this time it buys and sells nothing (an autoreserved v1 node's `start_at`); null: from now. */
  readonly startsAt: number | null;
  readonly enabled: boolean;
  readonly statusState: 'info' | 'warning' | 'error';
  readonly statusMessage: string;
  readonly nextRunAt: number | null;
  /**
   * When running it minute by minute would run it next: `nextRunAt` but while a clock advance
   * skips runs that would change nothing (domain/market/procurement.ts, `coalescedNextRun`);
   * null when not set apart from `nextRunAt`.
   */
  readonly runDueAt?: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ProcurementView extends ProcurementRecord {
  readonly workspaceName: string;
  readonly poolName: string;
  readonly instanceSkuAlias: string;
}

export interface OrderRepository {
  /**
   * Takes one SKU's book for the rest of the transaction: whatever places, matches, cancels or
   * expires that SKU's orders takes it first, so that a match never reads resting orders another
   * transaction is changing. Matching is serial per SKU, as in a real exchange.
   */
  lockBook(instanceSkuId: string): Promise<void>;
  insert(order: Omit<OrderRecord, 'seq'>): Promise<void>;
  findById(accountId: string, id: string): Promise<OrderView | undefined>;
  /** Any account's order, locked until the transaction ends (as it is then: an order this
   * transaction placed or changed is read as it wrote it). */
  findByIdForEngine(id: string): Promise<OrderRecord | undefined>;
  list(filter: OrderListFilter, page: PageRequest): Promise<OrderView[]>;
  /** Resting orders (standing or partially filled), best price first, then first come. */
  resting(query: BookQuery, limit: number, offset: number): Promise<OrderRecord[]>;
  /** `resting`, sent ahead of the next statements (`Ahead`). */
  restingAhead(query: BookQuery, limit: number, offset: number): Promise<Ahead<OrderRecord[]>>;
  /**
   * `restingAhead` before the book is locked, as a guess of what an order will trade with (so
   * that placing can lock it with the book: app/market/book.ts, `readFirstRoundAhead`); null
   * where a lock costs no round trip (SQLite, whose one writer holds the whole database), and
   * guessing would save nothing. What it answers is never taken for the locked book's, and it
   * reads only what the book's search needs of each order (`BookOrder`).
   */
  restingUnlockedAhead(query: BookQuery, limit: number, offset: number): Promise<Ahead<BookOrder[]> | null>;
  update(id: string, changes: OrderChanges): Promise<void>;
  /** Resting orders whose end is at or before `upTo`, earliest first. */
  dueExpiries(upTo: number, limit: number): Promise<DueExpiry[]>;
  restingOfProcurement(procurementId: string): Promise<OrderRecord[]>;
  countRestingInPool(poolId: string): Promise<number>;
  /** What open buy orders hold, summed per account, for audits. */
  holdsByAccount(): Promise<Map<string, number>>;
}

export interface ContractRepository {
  insert(contract: Omit<ContractRecord, 'seq'>): Promise<void>;
  ofOrders(orderIds: readonly string[]): Promise<ContractRecord[]>;
  /** Contracts overlapping a window, newest first, filled at or after `since`. */
  list(filter: ContractListFilter, page: PageRequest): Promise<ContractRecord[]>;
  /** The contracts an account bought (its buy orders' fills), newest first. */
  ofBuyer(filter: BuyerContractFilter, page: PageRequest): Promise<BuyerContract[]>;
  /** One contract the account bought. */
  boughtById(accountId: string, id: string): Promise<BuyerContract | undefined>;
}

export interface MoneyRepository {
  /** The balances of these ledger accounts (zero when new), locked until the transaction ends. */
  lock(keys: readonly string[]): Promise<Map<string, number>>;
  /** `lock`, sent ahead of the next statements (`Ahead`). */
  lockAhead(keys: readonly string[]): Promise<Ahead<Map<string, number>>>;
  /** Moves money from one ledger account to another, and records the entry. Lock both first. */
  move(entry: MoneyEntryRecord): Promise<void>;
  /** Makes these moves and records their entries, in order: one statement for the balances and
   * one for the entries, however many there are. Lock every key first. */
  moveAll(entries: readonly MoneyEntryRecord[]): Promise<void>;
  balances(keys: readonly string[]): Promise<Map<string, number>>;
  allBalances(): Promise<Map<string, number>>;
  allEntries(): Promise<MoneyEntryRecord[]>;
}

export interface AccountTransactionRepository {
  insert(transaction: Omit<AccountTransactionRecord, 'seq'>): Promise<void>;
  /** Several in one statement, in order. */
  insertAll(transactions: readonly Omit<AccountTransactionRecord, 'seq'>[]): Promise<void>;
  list(filter: AccountTransactionFilter, page: PageRequest): Promise<AccountTransactionRecord[]>;
}

export interface ProcurementRepository {
  insert(procurement: Omit<ProcurementRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<ProcurementView | undefined>;
  findByName(workspaceId: string, name: string): Promise<ProcurementView | undefined>;
  findForPoolSku(poolId: string, instanceSkuId: string): Promise<ProcurementView | undefined>;
  /** Which of these pools and SKUs have a procurement (as `pool sku`), in one statement: for the engine. */
  poolSkusWithProcurement(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<Set<string>>;
  /** Any account's procurement: for the engine. */
  findByIdForEngine(id: string): Promise<ProcurementView | undefined>;
  list(filter: { readonly accountId: string; readonly workspaceId: string | null; readonly poolId: string | null }, page: PageRequest): Promise<ProcurementView[]>;
  update(id: string, changes: Partial<Omit<ProcurementRecord, 'seq' | 'id' | 'accountId' | 'workspaceId' | 'poolId' | 'createdAt'>> & { readonly updatedAt: number }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  dueRuns(upTo: number, limit: number): Promise<{ readonly id: string; readonly at: number }[]>;
  /** How many live, enabled procurements buy or sell this SKU. */
  countEnabledForSku(instanceSkuId: string): Promise<number>;
  /** The procurements (of one SKU, or all) whose skipped runs the model would have run by `now` (runDueAt ≤ now < nextRunAt). */
  behind(now: number, instanceSkuId: string | null): Promise<ProcurementView[]>;
  /** The SKU of this id for an order on its book, sent ahead of the next statements (`Ahead`),
   * with whether any of its procurements is `behind` at `now`, which the order must catch up
   * first: one statement, where most orders find none. */
  skuWithBehindAhead(instanceSkuId: string, now: number): Promise<Ahead<{ readonly sku: InstanceSkuRecord; readonly procurementsBehind: boolean } | undefined>>;
}
