// The ledger of node-seconds: append-only entries, and per pool and SKU the balance they add up
// to. Balances are locked row by row (in key order) before a transaction spends them.

import { type ExpressionBuilder, type Kysely, type QueryCreator, type Selectable, sql } from 'kysely';
import type { EntryKind } from '../../../domain/allocation/ledger.js';
import { emptySchedule } from '../../../domain/kernel/schedule.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { AllocationEntryRecord, AllocationRepository, BalanceRecord, DueBoundary } from '../../allocation.js';
import { preparedDialectQuery, preparedPerCount, preparedQuery } from '../prepared.js';
import { inList, inPairList, listParameter, pairListParameter } from '../lists.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';
import type { Ahead } from '../../kernel.js';
import { balanceLockOutOfOrderWaitMs } from '../../../domain/kernel/limits.js';
import { sendLockWaitingAtMost } from '../row-locks.js';

const balanceOfPoolSku = preparedQuery(2, (db, poolId: string, instanceSkuId: string) =>
  db.selectFrom('allocation_balances').selectAll().where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId),
);

/** Run at every boundary the engine processes, so prepared. */
const setNextBoundaryOfPoolSku = preparedQuery(3, (db, nextBoundaryAt: number | null, poolId: string, instanceSkuId: string) =>
  db.updateTable('allocation_balances').set({ next_boundary_at: nextBoundaryAt }).where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId),
);

/** Whether the balance's pool runs or awaits instances of its SKU: those must follow the move. */
function occupied(eb: ExpressionBuilder<Database, 'allocation_balances'>) {
  return eb
    .exists(
      eb
        .selectFrom('instances')
        .select('instances.id')
        .whereRef('instances.pool_id', '=', 'allocation_balances.pool_id')
        .whereRef('instances.instance_sku_id', '=', 'allocation_balances.instance_sku_id')
        .where('instances.status', 'in', ['awaiting_allocation', 'running'])
        .where('instances.deleted_at', 'is', null),
    )
    .as('occupied');
}

function insertEntryQuery(db: Kysely<Database> | QueryCreator<Database>, id: string, kind: string, instanceSkuId: string, fromPoolId: string | null, toPoolId: string | null, delta: string, referenceId: string | null, createdAt: number) {
  return db.insertInto('allocation_entries').values({ id, kind: kind as EntryKind, instance_sku_id: instanceSkuId, from_pool_id: fromPoolId, to_pool_id: toPoolId, delta, reference_id: referenceId, created_at: createdAt });
}

function setOneBalanceQuery(db: Kysely<Database>, schedule: string, nextBoundaryAt: number | null, poolId: string, instanceSkuId: string) {
  return db.updateTable('allocation_balances').set({ schedule, next_boundary_at: nextBoundaryAt }).where('pool_id', '=', poolId).where('instance_sku_id', '=', instanceSkuId);
}

/** Both balances of a move in one statement: each row picks its own values. */
function setTwoBalancesQuery(db: Kysely<Database>, poolId: string, instanceSkuId: string, schedule: string, nextBoundaryAt: number | null, otherPoolId: string, otherInstanceSkuId: string, otherSchedule: string, otherNextBoundaryAt: number | null) {
  return db
    .updateTable('allocation_balances')
    .set({
      schedule: sql<string>`CASE WHEN pool_id = ${poolId} AND instance_sku_id = ${instanceSkuId} THEN ${schedule} ELSE ${otherSchedule} END`,
      next_boundary_at: sql<number | null>`CASE WHEN pool_id = ${poolId} AND instance_sku_id = ${instanceSkuId} THEN CAST(${nextBoundaryAt} AS BIGINT) ELSE CAST(${otherNextBoundaryAt} AS BIGINT) END`,
    })
    .where((eb) => eb.or([eb.and([eb('pool_id', '=', poolId), eb('instance_sku_id', '=', instanceSkuId)]), eb.and([eb('pool_id', '=', otherPoolId), eb('instance_sku_id', '=', otherInstanceSkuId)])]));
}

const insertEntryRow = preparedQuery(8, insertEntryQuery);
const setOneBalance = preparedQuery(4, setOneBalanceQuery);
const setTwoBalances = preparedQuery(8, setTwoBalancesQuery);

/*
 * A move's writes once its balances are locked: its balances, answering which of its pools have
 * instances of the SKU to follow it, and on PostgreSQL its entry too, inserted by a
 * data-modifying CTE of the same statement (SQLite has none; it inserts the entry on its own).
 * The instances are read by the update, a statement begun once the balances were locked, so none
 * created by a transaction that held them before is missed. Each statement run under the
 * balances' locks is time every other move of these pools waits.
 */
type EntryArguments = [id: string, kind: string, instanceSkuId: string, fromPoolId: string | null, toPoolId: string | null, delta: string, referenceId: string | null, createdAt: number];
type OneBalanceArguments = [schedule: string, nextBoundaryAt: number | null, poolId: string, instanceSkuId: string];
type TwoBalancesArguments = [poolId: string, instanceSkuId: string, schedule: string, nextBoundaryAt: number | null, otherPoolId: string, otherInstanceSkuId: string, otherSchedule: string, otherNextBoundaryAt: number | null];
type BalanceWrite = { readonly balance: BalanceRecord; readonly nextBoundaryAt: number | null };
const oneBalanceArguments = ({ balance, nextBoundaryAt }: BalanceWrite): OneBalanceArguments => [encodeSchedule(balance.schedule), nextBoundaryAt, balance.poolId, balance.instanceSkuId];
const twoBalancesArguments = (first: BalanceWrite, second: BalanceWrite): TwoBalancesArguments => [
  first.balance.poolId,
  first.balance.instanceSkuId,
  encodeSchedule(first.balance.schedule),
  first.nextBoundaryAt,
  second.balance.poolId,
  second.balance.instanceSkuId,
  encodeSchedule(second.balance.schedule),
  second.nextBoundaryAt,
];

/** The statement's entry, as a data-modifying CTE ahead of the update. */
function withEntry(db: Kysely<Database>, entry: EntryArguments): Kysely<Database> {
  return db.with('entry', (cte) => insertEntryQuery(cte, ...entry)) as unknown as Kysely<Database>;
}

const setOneBalanceOfMove = preparedQuery(4, (db, ...balance: OneBalanceArguments) => setOneBalanceQuery(db, ...balance).returning((eb) => ['pool_id', occupied(eb)]));
const setTwoBalancesOfMove = preparedQuery(8, (db, ...balances: TwoBalancesArguments) => setTwoBalancesQuery(db, ...balances).returning((eb) => ['pool_id', occupied(eb)]));
const writeOneBalanceMove = preparedQuery(12, (db, ...args: [...EntryArguments, ...OneBalanceArguments]) =>
  setOneBalanceQuery(withEntry(db, args.slice(0, 8) as EntryArguments), ...(args.slice(8) as OneBalanceArguments)).returning((eb) => ['pool_id', occupied(eb)]),
);
const writeTwoBalanceMove = preparedQuery(16, (db, ...args: [...EntryArguments, ...TwoBalancesArguments]) =>
  setTwoBalancesQuery(withEntry(db, args.slice(0, 8) as EntryArguments), ...(args.slice(8) as TwoBalancesArguments)).returning((eb) => ['pool_id', occupied(eb)]),
);

/** Which of `count` pools have live instances of a SKU (`occupiedAhead`): arguments are the SKU, then the pools. */
const occupiedPools = preparedPerCount<{ pool_id: string }>(
  (count) => count + 1,
  (db, _adapter, _count, [instanceSkuId, ...poolIds]) =>
    db
      .selectFrom('instances')
      .select('pool_id')
      .distinct()
      .where('instance_sku_id', '=', instanceSkuId as string)
      .where('pool_id', 'in', poolIds as string[])
      .where('status', 'in', ['awaiting_allocation', 'running'])
      .where('deleted_at', 'is', null),
);

type BalanceKey = { readonly poolId: string; readonly instanceSkuId: string };

/*
 * The lock order of balances, one for every transaction that locks them (docs/architecture.md,
 * "The ledger"): by pool id, then SKU id, as bytes (`COLLATE "C"`, whatever the database's
 * collation, so that this process can tell the order too; ids are ASCII). A statement locks its
 * rows in that order (PostgreSQL sorts them below the lock); a transaction that already holds
 * balances and needs one that sorts before the greatest it holds (a fill that checked a sell's
 * pool, then locks the buyer's; the engine's batch, then a procurement's trades) waits for it at
 * most `balanceLockOutOfOrderWaitMs`, since that wait may close a cycle.
 */
function compareBalanceKeys(a: BalanceKey, b: BalanceKey): number {
  return a.poolId < b.poolId ? -1 : a.poolId > b.poolId ? 1 : a.instanceSkuId < b.instanceSkuId ? -1 : a.instanceSkuId > b.instanceSkuId ? 1 : 0;
}

/** Balances locked in key order: one statement. A move's one and two balances are prepared shapes. */
function lockBalancesQuery(db: Kysely<Database>, adapter: DialectAdapter, keys: readonly BalanceKey[]) {
  const query = db.selectFrom('allocation_balances').selectAll().where((eb) => eb.or(keys.map((key) => eb.and([eb('pool_id', '=', key.poolId), eb('instance_sku_id', '=', key.instanceSkuId)]))));
  return adapter.supportsRowLocks ? query.orderBy(sql`pool_id collate "C"`).orderBy(sql`instance_sku_id collate "C"`).forUpdate() : query;
}
const lockOneBalance = preparedDialectQuery(2, (db, adapter, poolId: string, instanceSkuId: string) => lockBalancesQuery(db, adapter, [{ poolId, instanceSkuId }]));
const lockTwoBalances = preparedDialectQuery(4, (db, adapter, poolId: string, instanceSkuId: string, otherPoolId: string, otherInstanceSkuId: string) =>
  lockBalancesQuery(db, adapter, [
    { poolId, instanceSkuId },
    { poolId: otherPoolId, instanceSkuId: otherInstanceSkuId },
  ]),
);

/** Any number of balances locked (the engine's batch of boundaries): one statement of one shape. */
const lockBalanceList = preparedDialectQuery(1, (db, adapter, pairs: string) => {
  const query = db.selectFrom('allocation_balances').selectAll().where(inPairList(adapter, 'pool_id', 'instance_sku_id', pairs));
  return adapter.supportsRowLocks ? query.orderBy(sql`pool_id collate "C"`).orderBy(sql`instance_sku_id collate "C"`).forUpdate() : query;
});

/** The next boundary of many pools of one SKU set at once (the engine's batch). */
const setNextBoundaryOfPoolList = preparedDialectQuery(3, (db, adapter, nextBoundaryAt: number | null, instanceSkuId: string, poolIds: string) =>
  db.updateTable('allocation_balances').set({ next_boundary_at: nextBoundaryAt }).where('instance_sku_id', '=', instanceSkuId).where(inList(adapter, 'pool_id', poolIds)),
);

function toBalance(row: Selectable<Database['allocation_balances']>): BalanceRecord {
  return { poolId: row.pool_id, instanceSkuId: row.instance_sku_id, schedule: decodeSchedule(row.schedule), nextBoundaryAt: row.next_boundary_at };
}

/** A balance's key among those a transaction locked. */
function balanceKey(poolId: string, instanceSkuId: string): string {
  return `${poolId} ${instanceSkuId}`;
}

export class SqlAllocationRepository implements AllocationRepository {
  /**
   * The balances this transaction has locked, kept as it writes them: a locked row changes only
   * through this transaction, so a second lock of it (a sell checked, then filled) reads nothing.
   */
  readonly #locked = new Map<string, BalanceRecord>();

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insertEntry(entry: AllocationEntryRecord): Promise<void> {
    await insertEntryRow.execute(this.trx, this.adapter, entry.id, entry.kind, entry.instanceSkuId, entry.fromPoolId, entry.toPoolId, encodeSchedule(entry.delta), entry.referenceId, entry.createdAt);
  }

  async lockBalances(keys: readonly BalanceKey[]): Promise<BalanceRecord[]> {
    return (await this.lockBalancesAhead(keys))();
  }

  async lockBalancesAhead(keys: readonly BalanceKey[]): Promise<Ahead<BalanceRecord[]>> {
    const answer = () => keys.map((key) => this.#locked.get(balanceKey(key.poolId, key.instanceSkuId))!);
    const missing = keys.filter((key) => !this.#locked.has(balanceKey(key.poolId, key.instanceSkuId)));
    if (missing.length === 0) return async () => answer();
    const read = await this.#sendLock(missing, this.#outOfOrder(missing));
    return async () => {
      // A balance this transaction wrote since the lock was sent is known better than the read.
      const found = await read();
      for (const balance of found) if (!this.#locked.has(balanceKey(balance.poolId, balance.instanceSkuId))) this.#locked.set(balanceKey(balance.poolId, balance.instanceSkuId), balance);
      if (found.length < missing.length) await this.#make(missing);
      return answer();
    };
  }

  /** Whether locking `keys` now waits out of the key order: some sorts before a balance held. */
  #outOfOrder(keys: readonly BalanceKey[]): boolean {
    if (this.#locked.size === 0 || !this.adapter.supportsRowLocks) return false;
    const least = keys.reduce((a, b) => (compareBalanceKeys(a, b) <= 0 ? a : b));
    for (const held of this.#locked.values()) if (compareBalanceKeys(least, held) < 0) return true;
    return false;
  }

  /**
   * Makes the balances among `keys` that no row holds yet, as empty schedules (what a pool
   * without the SKU holds: the rows must exist to be locked), and locks them. Holding balances
   * already (those found, or locked earlier), this lock may come out of key order: a row made
   * meanwhile by another transaction, which then locked it first in key order, is wanted by this
   * one while it holds a row the other wants next. Concurrent first transfers into a pool
   * deadlocked so, one after another, each for `deadlock_timeout` (issue 15).
   */
  async #make(keys: readonly BalanceKey[]): Promise<void> {
    const missing = keys.filter((key) => !this.#locked.has(balanceKey(key.poolId, key.instanceSkuId)));
    await this.trx
      .insertInto('allocation_balances')
      .values(missing.map((key) => ({ pool_id: key.poolId, instance_sku_id: key.instanceSkuId, schedule: encodeSchedule(emptySchedule) })))
      .onConflict((oc) => oc.columns(['pool_id', 'instance_sku_id']).doNothing())
      .execute();
    const read = await this.#sendLock(missing, this.adapter.supportsRowLocks);
    for (const balance of await read()) this.#locked.set(balanceKey(balance.poolId, balance.instanceSkuId), balance);
  }

  /** Sends the lock of `keys` ahead (`Ahead`), in one statement; one out of key order waits at
   * most `balanceLockOutOfOrderWaitMs` (PostgreSQL's `lock_timeout`, for that statement alone). */
  async #sendLock(keys: readonly BalanceKey[], outOfOrder: boolean): Promise<Ahead<BalanceRecord[]>> {
    const [first, second] = keys;
    const read = await sendLockWaitingAtMost(this.trx, this.adapter, outOfOrder, balanceLockOutOfOrderWaitMs, () =>
      keys.length === 1
        ? lockOneBalance.executeAhead(this.trx, this.adapter, first!.poolId, first!.instanceSkuId)
        : keys.length === 2
          ? lockTwoBalances.executeAhead(this.trx, this.adapter, first!.poolId, first!.instanceSkuId, second!.poolId, second!.instanceSkuId)
          : lockBalanceList.executeAhead(this.trx, this.adapter, pairListParameter(keys.map((key) => [key.poolId, key.instanceSkuId]))),
    );
    return async () => (await read.rows).map(toBalance);
  }

  async setBalances(balances: readonly BalanceWrite[]): Promise<void> {
    const [first, second, ...more] = balances;
    if (first === undefined) return;
    if (more.length > 0) throw new Error('setBalances writes at most two balances');
    if (second === undefined) await setOneBalance.execute(this.trx, this.adapter, ...oneBalanceArguments(first));
    else await setTwoBalances.execute(this.trx, this.adapter, ...twoBalancesArguments(first, second));
    for (const { balance, nextBoundaryAt } of balances) this.#remember(balance.poolId, balance.instanceSkuId, { ...balance, nextBoundaryAt });
  }

  async writeMove(balances: readonly BalanceWrite[], entry: AllocationEntryRecord): Promise<Set<string>> {
    const [first, second, ...more] = balances;
    if (first === undefined || more.length > 0) throw new Error('writeMove writes one or two balances');
    const entryArguments: EntryArguments = [entry.id, entry.kind, entry.instanceSkuId, entry.fromPoolId, entry.toPoolId, encodeSchedule(entry.delta), entry.referenceId, entry.createdAt];
    const entryInUpdate = this.adapter.dialect === 'postgres';
    if (!entryInUpdate) await insertEntryRow.execute(this.trx, this.adapter, ...entryArguments);
    let rows: { pool_id: string; occupied: unknown }[];
    if (second === undefined) {
      const balance = oneBalanceArguments(first);
      rows = entryInUpdate ? await writeOneBalanceMove.execute(this.trx, this.adapter, ...entryArguments, ...balance) : await setOneBalanceOfMove.execute(this.trx, this.adapter, ...balance);
    } else {
      const both = twoBalancesArguments(first, second);
      rows = entryInUpdate ? await writeTwoBalanceMove.execute(this.trx, this.adapter, ...entryArguments, ...both) : await setTwoBalancesOfMove.execute(this.trx, this.adapter, ...both);
    }
    for (const { balance, nextBoundaryAt } of balances) this.#remember(balance.poolId, balance.instanceSkuId, { ...balance, nextBoundaryAt });
    // PostgreSQL answers a boolean, SQLite 0 or 1.
    return new Set(rows.filter((row) => row.occupied === true || row.occupied === 1).map((row) => row.pool_id));
  }

  async writeMoveDeferred(balances: readonly BalanceWrite[], entry: AllocationEntryRecord): Promise<void> {
    const [first, second, ...more] = balances;
    if (first === undefined || more.length > 0) throw new Error('writeMoveDeferred writes one or two balances');
    if (this.adapter.dialect !== 'postgres') {
      await this.writeMove(balances, entry);
      return;
    }
    // Held with the transaction's other writes (a fill's order, money, contract), which touch
    // other tables: they go out together as one statement. The balances' update is unkeyed, so a
    // second move of the same transaction (a fill of several trades) is sent after it.
    const entryArguments: EntryArguments = [entry.id, entry.kind, entry.instanceSkuId, entry.fromPoolId, entry.toPoolId, encodeSchedule(entry.delta), entry.referenceId, entry.createdAt];
    await this.adapter.deferWrite(this.trx, insertEntryRow.compilable(this.trx, this.adapter, ...entryArguments), 'insert', 'allocation_entries', entry.id);
    const update = second === undefined ? setOneBalance.compilable(this.trx, this.adapter, ...oneBalanceArguments(first)) : setTwoBalances.compilable(this.trx, this.adapter, ...twoBalancesArguments(first, second));
    await this.adapter.deferWrite(this.trx, update, 'update', 'allocation_balances', null);
    for (const { balance, nextBoundaryAt } of balances) this.#remember(balance.poolId, balance.instanceSkuId, { ...balance, nextBoundaryAt });
  }

  async occupiedAhead(instanceSkuId: string, poolIds: readonly string[]): Promise<Ahead<Set<string>>> {
    const distinct = [...new Set(poolIds)];
    const read = await occupiedPools(distinct.length).executeAhead(this.trx, this.adapter, instanceSkuId, ...distinct);
    return async () => new Set((await read.rows).map((row) => row.pool_id));
  }

  /** Keeps what this transaction wrote to a balance it locked. */
  #remember(poolId: string, instanceSkuId: string, balance: BalanceRecord): void {
    const key = balanceKey(poolId, instanceSkuId);
    if (this.#locked.has(key)) this.#locked.set(key, balance);
  }

  /** Forgets what was locked: the balances were deleted in this transaction (a reset). */
  forgetLocked(): void {
    this.#locked.clear();
  }

  async balanceOf(poolId: string, instanceSkuId: string): Promise<BalanceRecord | undefined> {
    return (await this.balanceOfAhead(poolId, instanceSkuId))();
  }

  async balanceOfAhead(poolId: string, instanceSkuId: string): Promise<Ahead<BalanceRecord | undefined>> {
    // Locked by this transaction: it changes only through it, so what it wrote is what the row
    // holds (a procurement's run reads its pool's balance before and after its fill, and the
    // fill's instances follow it).
    const known = this.#locked.get(balanceKey(poolId, instanceSkuId));
    if (known !== undefined) return async () => known;
    const read = await balanceOfPoolSku.executeAhead(this.trx, this.adapter, poolId, instanceSkuId);
    return async () => {
      const [row] = await read.rows;
      return row === undefined ? undefined : toBalance(row);
    };
  }

  async dueBoundaries(upTo: number, limit: number): Promise<DueBoundary[]> {
    const rows = await this.trx
      .selectFrom('allocation_balances')
      .select(['pool_id', 'instance_sku_id', 'next_boundary_at'])
      .where('next_boundary_at', '<=', upTo)
      .orderBy('next_boundary_at')
      .orderBy('pool_id')
      .orderBy('instance_sku_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ poolId: row.pool_id, instanceSkuId: row.instance_sku_id, at: row.next_boundary_at! }));
  }

  async setNextBoundary(poolId: string, instanceSkuId: string, nextBoundaryAt: number | null): Promise<void> {
    await setNextBoundaryOfPoolSku.execute(this.trx, this.adapter, nextBoundaryAt, poolId, instanceSkuId);
    const known = this.#locked.get(balanceKey(poolId, instanceSkuId));
    if (known !== undefined) this.#locked.set(balanceKey(poolId, instanceSkuId), { ...known, nextBoundaryAt });
  }

  async setNextBoundaries(changes: readonly { readonly poolId: string; readonly instanceSkuId: string; readonly nextBoundaryAt: number | null }[]): Promise<void> {
    const groups = new Map<string, { instanceSkuId: string; nextBoundaryAt: number | null; poolIds: string[] }>();
    for (const change of changes) {
      const key = `${change.instanceSkuId} ${change.nextBoundaryAt}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { instanceSkuId: change.instanceSkuId, nextBoundaryAt: change.nextBoundaryAt, poolIds: [change.poolId] });
      else group.poolIds.push(change.poolId);
      const known = this.#locked.get(balanceKey(change.poolId, change.instanceSkuId));
      if (known !== undefined) this.#locked.set(balanceKey(change.poolId, change.instanceSkuId), { ...known, nextBoundaryAt: change.nextBoundaryAt });
    }
    for (const group of groups.values()) {
      await setNextBoundaryOfPoolList.execute(this.trx, this.adapter, group.nextBoundaryAt, group.instanceSkuId, listParameter(this.adapter, group.poolIds));
    }
  }

  async allEntries(): Promise<AllocationEntryRecord[]> {
    const rows = await this.trx.selectFrom('allocation_entries').selectAll().orderBy('seq').execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind as EntryKind,
      instanceSkuId: row.instance_sku_id,
      fromPoolId: row.from_pool_id,
      toPoolId: row.to_pool_id,
      delta: decodeSchedule(row.delta),
      referenceId: row.reference_id,
      createdAt: row.created_at,
    }));
  }

  async allBalances(): Promise<BalanceRecord[]> {
    const rows = await this.trx.selectFrom('allocation_balances').selectAll().execute();
    return rows.map(toBalance);
  }
}
