// Orders: the book of resting orders and every order's history.

import { type Compilable, type Kysely, type Selectable, sql } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { BookOrder } from '../../../domain/market/book.js';
import type { OrderStatus } from '../../../domain/market/orders.js';
import type { BookQuery, DueExpiry, OrderChanges, OrderListFilter, OrderRecord, OrderRepository, OrderSide, OrderView } from '../../market.js';
import { preparedPerCount, preparedQuery } from '../prepared.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';
import type { Ahead } from '../../kernel.js';

const restingStatuses: OrderStatus[] = ['standing', 'partially_filled'];

/** The columns a new order is inserted with, and each one's value (`insertOrder`). */
const orderColumns = [
  'id', 'account_id', 'workspace_id', 'pool_id', 'side', 'instance_sku_id', 'start_at', 'end_at', 'node_count', 'limit_micros', 'allow_standing', 'allow_partial',
  'status', 'remaining', 'filled', 'hold_micros', 'procurement_id', 'created_by', 'created_at', 'updated_at', 'filled_at', 'cancelled_at', 'rejected_reason',
] as const;

function orderColumnValue(order: Omit<OrderRecord, 'seq'>, column: (typeof orderColumns)[number]): string | number | null {
  switch (column) {
    case 'id': return order.id;
    case 'account_id': return order.accountId;
    case 'workspace_id': return order.workspaceId;
    case 'pool_id': return order.poolId;
    case 'side': return order.side;
    case 'instance_sku_id': return order.instanceSkuId;
    case 'start_at': return order.startAt;
    case 'end_at': return order.endAt;
    case 'node_count': return order.nodeCount;
    case 'limit_micros': return order.limitMicros;
    case 'allow_standing': return order.allowStanding ? 1 : 0;
    case 'allow_partial': return order.allowPartial ? 1 : 0;
    case 'status': return order.status;
    case 'remaining': return encodeSchedule(order.remaining);
    case 'filled': return encodeSchedule(order.filled);
    case 'hold_micros': return order.holdMicros;
    case 'procurement_id': return order.procurementId;
    case 'created_by': return order.createdBy;
    case 'created_at': return order.createdAt;
    case 'updated_at': return order.updatedAt;
    case 'filled_at': return order.filledAt;
    case 'cancelled_at': return order.cancelledAt;
    case 'rejected_reason': return order.rejectedReason;
  }
}

/** Every order placed is inserted, and every locked one written whole (`update`): both prepared. */
const insertOrder = preparedQuery(orderColumns.length, (db, ...values: (string | number | null)[]) =>
  db.insertInto('orders').values(Object.fromEntries(orderColumns.map((column, index) => [column, values[index]])) as never),
);
const replaceOrderState = preparedQuery(
  9,
  (db, status: string, remaining: string, filled: string, holdMicros: number, filledAt: number | null, cancelledAt: number | null, rejectedReason: string | null, updatedAt: number, id: string) =>
    db
      .updateTable('orders')
      .set({ status, remaining, filled, hold_micros: holdMicros, filled_at: filledAt, cancelled_at: cancelledAt, rejected_reason: rejectedReason, updated_at: updatedAt })
      .where('id', '=', id),
);

/** The columns the book's search reads of a resting order (`BookOrder`): what the guess of an
 * order's trades before its book is locked reads (`restingUnlockedAhead`). */
const bookOrderColumns = ['seq', 'id', 'account_id', 'pool_id', 'side', 'limit_micros', 'remaining', 'allow_partial'] as const;
type BookOrderRow = Pick<Selectable<Database['orders']>, (typeof bookOrderColumns)[number]>;

/**
 * The book's resting orders of one side (`restingAhead`), best first: prepared for each side, with
 * and without a price bound, and each count of SKUs; whole, or only the columns the book's search
 * reads (`bookOrderColumns`). Every buy reads it twice, and building it with Kysely cost more than
 * PostgreSQL takes to answer it. Arguments: the window's end and start, the limit and offset, the
 * price bound when there is one, then the SKUs.
 */
function restingOrders<Row>(side: OrderSide, bounded: boolean, columns: 'whole' | 'book') {
  const fixed = bounded ? 5 : 4;
  return preparedPerCount<Row>(
    (count) => fixed + count,
    (db, _adapter, _count, [overlapsTo, overlapsFrom, limit, offset, ...rest]) => {
      const [bound, skuIds] = bounded ? [rest[0], rest.slice(1)] : [null, rest];
      const from = db.selectFrom('orders');
      let select = (columns === 'whole' ? from.selectAll() : from.select(bookOrderColumns))
        .where('instance_sku_id', 'in', skuIds as string[])
        .where('side', '=', side)
        // Written as the index `orders_resting` is, so that both engines see they may read it.
        .where(sql<boolean>`status IN ('standing', 'partially_filled')`)
        .where('start_at', '<', overlapsTo as number)
        .where('end_at', '>', overlapsFrom as number);
      if (bounded) select = select.where('limit_micros', side === 'sell' ? '<=' : '>=', bound as number);
      return select
        .orderBy('limit_micros', side === 'sell' ? 'asc' : 'desc')
        .orderBy('seq', 'asc')
        .limit(limit as number)
        .offset(offset as number) as unknown as Compilable<Row>;
    },
  );
}

type OrderRow = Selectable<Database['orders']>;

/** The book's reads of `columns`, prepared for each side and with and without a price bound (`restingOrders`). */
function restingOrdersBySide<Row>(columns: 'whole' | 'book') {
  return {
    sell: { bounded: restingOrders<Row>('sell', true, columns), unbounded: restingOrders<Row>('sell', false, columns) },
    buy: { bounded: restingOrders<Row>('buy', true, columns), unbounded: restingOrders<Row>('buy', false, columns) },
  };
}
const wholeRestingOrders = restingOrdersBySide<OrderRow>('whole');
const bookRestingOrders = restingOrdersBySide<BookOrderRow>('book');

/** Sends the read of `reads` that answers `query`, ahead (`Ahead`). */
function sendRestingRead<Row>(trx: Kysely<Database>, adapter: DialectAdapter, reads: ReturnType<typeof restingOrdersBySide<Row>>, query: BookQuery, limit: number, offset: number) {
  const read = reads[query.side][query.priceBound === null ? 'unbounded' : 'bounded'](query.instanceSkuIds.length);
  const bound = query.priceBound === null ? [] : [query.priceBound];
  return read.executeAhead(trx, adapter, query.overlapsTo, query.overlapsFrom, limit, offset, ...bound, ...query.instanceSkuIds);
}

function toBookOrder(row: BookOrderRow): BookOrder {
  return { seq: row.seq, id: row.id, accountId: row.account_id, poolId: row.pool_id, side: row.side as OrderSide, limitMicros: row.limit_micros, remaining: decodeSchedule(row.remaining), allowPartial: row.allow_partial === 1 };
}

function toRecord(row: OrderRow): OrderRecord {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    poolId: row.pool_id,
    side: row.side as OrderSide,
    instanceSkuId: row.instance_sku_id,
    startAt: row.start_at,
    endAt: row.end_at,
    nodeCount: row.node_count,
    limitMicros: row.limit_micros,
    allowStanding: row.allow_standing === 1,
    allowPartial: row.allow_partial === 1,
    status: row.status as OrderStatus,
    remaining: decodeSchedule(row.remaining),
    filled: decodeSchedule(row.filled),
    holdMicros: row.hold_micros,
    procurementId: row.procurement_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    filledAt: row.filled_at,
    cancelledAt: row.cancelled_at,
    rejectedReason: row.rejected_reason,
  };
}

function orderViews(db: Kysely<Database>) {
  return db
    .selectFrom('orders')
    .innerJoin('pools', 'pools.id', 'orders.pool_id')
    .innerJoin('instance_skus', 'instance_skus.id', 'orders.instance_sku_id')
    // Who placed it: the token, and the user it acts for (tenancy's rows, read for `created_by`).
    .leftJoin('api_tokens', 'api_tokens.id', 'orders.created_by')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('orders')
    .select(['pools.name as pool_name', 'instance_skus.alias as instance_sku_alias', 'api_tokens.name as created_by_name', 'users.id as created_by_user_id', 'users.email as created_by_user_email']);
}

type OrderViewRow = Awaited<ReturnType<ReturnType<typeof orderViews>['execute']>>[number];

function toView(row: OrderViewRow): OrderView {
  const creator = row.created_by === null ? null : { tokenName: row.created_by_name, userId: row.created_by_user_id, userEmail: row.created_by_user_email };
  return { ...toRecord(row), poolName: row.pool_name, instanceSkuAlias: row.instance_sku_alias, creator };
}

export class SqlOrderRepository implements OrderRepository {
  /**
   * The orders this transaction placed or locked, kept as its own updates change them: a locked
   * row changes only through this transaction, so matching reads each order once.
   */
  readonly #locked = new Map<string, OrderRecord>();
  /**
   * The SKUs whose books this transaction has locked. Every change to a resting order is made
   * under its book's lock, so the resting orders read from a locked book are as locked as if
   * each had been read `FOR UPDATE`, and matching need not read them again.
   */
  readonly #booksLocked = new Set<string>();
  /** Counts this transaction's inserts and updates of orders (see `restingAhead`). */
  #writes = 0;

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(order: Omit<OrderRecord, 'seq'>): Promise<void> {
    const insert = insertOrder.compilable(
      this.trx,
      this.adapter,
      ...orderColumns.map((column) => orderColumnValue(order, column)),
    );
    // Sent with the transaction's next statement (dialect-adapter.ts, deferWrite), the order's
    // hold with it. Its `seq` is read with it from the book (`resting`); nothing needs it sooner.
    this.#writes++;
    await this.adapter.deferWrite(this.trx, insert, 'insert', 'orders', order.id);
    this.#locked.set(order.id, { ...order, seq: 0 });
  }

  async findById(accountId: string, id: string): Promise<OrderView | undefined> {
    const row = await orderViews(this.trx).where('orders.account_id', '=', accountId).where('orders.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async lockBook(instanceSkuId: string): Promise<void> {
    // Held to the transaction's end once taken: taking it again would only cost a statement (a
    // procurement's run locks its book, then so does each order it places).
    if (this.#booksLocked.has(instanceSkuId)) return;
    // A lock on no row: the SKU's row is what every foreign key to the SKU checks with FOR KEY
    // SHARE (inserting a pool transfer, say), which a row lock on it would make wait (issue 15).
    await this.adapter.transactionLock(this.trx, `book ${instanceSkuId}`);
    this.#booksLocked.add(instanceSkuId);
  }

  async findByIdForEngine(id: string): Promise<OrderRecord | undefined> {
    const known = this.#locked.get(id);
    if (known !== undefined) return known;
    let query = this.trx.selectFrom('orders').selectAll().where('id', '=', id);
    if (this.adapter.supportsRowLocks) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (row === undefined) return undefined;
    const order = toRecord(row);
    this.#locked.set(id, order);
    return order;
  }

  async list(filter: OrderListFilter, page: PageRequest): Promise<OrderView[]> {
    let query = orderViews(this.trx).where('orders.account_id', '=', filter.accountId);
    if (filter.ids !== null) {
      if (filter.ids.length === 0) return [];
      query = query.where('orders.id', 'in', filter.ids);
    }
    if (filter.poolId !== null) query = query.where('orders.pool_id', '=', filter.poolId);
    if (filter.workspaceId !== null) query = query.where('orders.workspace_id', '=', filter.workspaceId);
    if (filter.side !== null) query = query.where('orders.side', '=', filter.side);
    if (filter.statuses !== null) query = query.where('orders.status', 'in', filter.statuses);
    if (filter.createdAfter !== null) query = query.where('orders.created_at', '>', filter.createdAfter);
    if (filter.createdBefore !== null) query = query.where('orders.created_at', '<', filter.createdBefore);
    query = filter.procurementId === null ? query.where('orders.procurement_id', 'is', null) : query.where('orders.procurement_id', '=', filter.procurementId);

    // Newest first by default; by start time on request. The cursor names an order; the page
    // continues from its place in the chosen order (its key, then its insertion sequence).
    const byStart = filter.sort === 'start_at' || filter.sort === '-start_at';
    const descending = filter.sort.startsWith('-') !== (page.direction === 'newer');
    const keyColumn = byStart ? 'orders.start_at' : 'orders.seq';
    if (page.boundarySeq !== null) {
      const boundary = await this.trx.selectFrom('orders').select(['seq', 'start_at']).where('seq', '=', page.boundarySeq).executeTakeFirst();
      if (boundary === undefined) return [];
      const key = byStart ? boundary.start_at : boundary.seq;
      const after = descending ? '<' : '>';
      query = byStart
        ? query.where((eb) => eb.or([eb('orders.start_at', after, key), eb.and([eb('orders.start_at', '=', key), eb('orders.seq', after, boundary.seq)])]))
        : query.where('orders.seq', after, key);
    }
    const direction = descending ? 'desc' : 'asc';
    const rows = await query.orderBy(keyColumn, direction).orderBy('orders.seq', direction).limit(page.limit + 1).execute();
    return rows.map(toView);
  }

  async resting(query: BookQuery, limit: number, offset: number): Promise<OrderRecord[]> {
    return (await this.restingAhead(query, limit, offset))();
  }

  async restingAhead(query: BookQuery, limit: number, offset: number): Promise<Ahead<OrderRecord[]>> {
    if (query.instanceSkuIds.length === 0) return async () => [];
    const writesWhenSent = this.#writes;
    // Only a read sent under its book's lock holds what the book holds until the transaction
    // ends (one sent before, `restingUnlockedAhead`'s, may be answered after the lock is taken).
    const lockedWhenSent = new Set(query.instanceSkuIds.filter((id) => this.#booksLocked.has(id)));
    const read = await sendRestingRead(this.trx, this.adapter, wholeRestingOrders, query, limit, offset);
    return async () => {
      const orders = (await read.rows).map(toRecord);
      // What was read is what the row holds when this transaction changed no order since the read
      // was sent (its own earlier changes were written before it); else a locked order it changed
      // is known better than the read.
      const changedSince = this.#writes !== writesWhenSent;
      return orders.map((read) => {
        const known = this.#locked.get(read.id);
        // Its `seq` is the read's: an order this transaction placed is known without it.
        const order = changedSince && known !== undefined ? { ...known, seq: read.seq } : read;
        if (lockedWhenSent.has(order.instanceSkuId)) this.#locked.set(order.id, order);
        return order;
      });
    };
  }

  async restingUnlockedAhead(query: BookQuery, limit: number, offset: number): Promise<Ahead<BookOrder[]> | null> {
    if (!this.adapter.supportsRowLocks) return null;
    if (query.instanceSkuIds.length === 0) return async () => [];
    // Only what the guess needs: a round's rows of every column cost allot more to decode than
    // PostgreSQL to read.
    const read = await sendRestingRead(this.trx, this.adapter, bookRestingOrders, query, limit, offset);
    return async () => (await read.rows).map(toBookOrder);
  }

  async update(id: string, changes: OrderChanges): Promise<void> {
    this.#writes++;
    const known = this.#locked.get(id);
    if (known === undefined) {
      const set: Partial<Record<keyof Database['orders'], unknown>> = { updated_at: changes.updatedAt };
      if (changes.status !== undefined) set.status = changes.status;
      if (changes.remaining !== undefined) set.remaining = encodeSchedule(changes.remaining);
      if (changes.filled !== undefined) set.filled = encodeSchedule(changes.filled);
      if (changes.holdMicros !== undefined) set.hold_micros = changes.holdMicros;
      if (changes.filledAt !== undefined) set.filled_at = changes.filledAt;
      if (changes.cancelledAt !== undefined) set.cancelled_at = changes.cancelledAt;
      if (changes.rejectedReason !== undefined) set.rejected_reason = changes.rejectedReason;
      await this.trx.updateTable('orders').set(set as never).where('id', '=', id).execute();
      return;
    }
    const defined: Record<string, unknown> = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const remaining = encodeSchedule(changes.remaining ?? known.remaining);
    const filled = encodeSchedule(changes.filled ?? known.filled);
    // As a read would decode them.
    const order = { ...known, ...defined, remaining: decodeSchedule(remaining), filled: decodeSchedule(filled) } as OrderRecord;
    this.#locked.set(id, order);
    // A locked (or placed) order changes only through this transaction, so its whole changeable
    // state is known: written whole, a later update of the row stands for this one, and a fill's
    // updates of both its orders are sent with its other writes (dialect-adapter.ts, deferWrite).
    const update = replaceOrderState.compilable(this.trx, this.adapter, order.status, remaining, filled, order.holdMicros, order.filledAt, order.cancelledAt, order.rejectedReason, order.updatedAt, id);
    await this.adapter.deferWrite(this.trx, update, 'replace', 'orders', id);
  }

  /** Forgets what was locked: the orders were deleted in this transaction (a reset). */
  forgetLocked(): void {
    this.#locked.clear();
    this.#booksLocked.clear();
  }

  async dueExpiries(upTo: number, limit: number): Promise<DueExpiry[]> {
    const rows = await this.trx
      .selectFrom('orders')
      .select(['id', 'instance_sku_id', 'end_at'])
      .where('status', 'in', restingStatuses)
      .where('end_at', '<=', upTo)
      .orderBy('end_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, instanceSkuId: row.instance_sku_id, endAt: row.end_at }));
  }

  async restingOfProcurement(procurementId: string): Promise<OrderRecord[]> {
    const rows = await this.trx.selectFrom('orders').selectAll().where('procurement_id', '=', procurementId).where('status', 'in', restingStatuses).orderBy('seq').execute();
    return rows.map(toRecord);
  }

  async countRestingInPool(poolId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('pool_id', '=', poolId)
      .where('status', 'in', restingStatuses)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async holdsByAccount(): Promise<Map<string, number>> {
    const rows = await this.trx
      .selectFrom('orders')
      .select(['account_id', (eb) => eb.fn.sum<number>('hold_micros').as('held')])
      .where('hold_micros', '>', 0)
      .groupBy('account_id')
      .execute();
    return new Map(rows.map((row) => [row.account_id, Number(row.held)]));
  }
}

