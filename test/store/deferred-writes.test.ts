// Writes held back and sent with the transaction's next statement (store/postgres/deferred-writes.ts):
// which may share one statement, and that, on every engine, a held write is seen by whatever the
// transaction does next (reads sent ahead too), kept by its commit, dropped by its rollback, and
// fails the transaction when it fails.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySchedule } from '../../src/domain/kernel/schedule.js';
import { type DeferredWrite, DeferredWrites } from '../../src/store/postgres/deferred-writes.js';
import type { MoneyEntryRecord } from '../../src/store/market.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

function write(mode: DeferredWrite['mode'], table: string, key: string | null, sql: string, values: unknown[] = []): DeferredWrite {
  return { mode, table, key, sql, values };
}

describe('writes held back together', () => {
  it('sends inserts into one table, and updates of other tables or other rows, as one statement, renumbering their parameters', () => {
    const held = new DeferredWrites();
    expect(held.hold(write('insert', 'entries', null, 'insert into "entries" values ($1, $2)', ['a', 1]))).toBe(true);
    expect(held.hold(write('insert', 'entries', null, 'insert into "entries" values ($1, $2)', ['b', 2]))).toBe(true);
    expect(held.hold(write('update', 'balances', null, 'update "balances" set x = $1', [3]))).toBe(true);
    expect(held.hold(write('replace', 'orders', 'o1', 'update "orders" set s = $1 where id = $2', ['filled', 'o1']))).toBe(true);
    expect(held.hold(write('replace', 'orders', 'o2', 'update "orders" set s = $1 where id = $2', ['standing', 'o2']))).toBe(true);
    expect(held.size).toBe(5);
    expect(held.take()).toEqual({
      text:
        'with "allot_w1" as (insert into "entries" values ($1, $2)), "allot_w2" as (insert into "entries" values ($3, $4)), "allot_w3" as (update "balances" set x = $5), ' +
        '"allot_w4" as (update "orders" set s = $6 where id = $7) update "orders" set s = $8 where id = $9',
      values: ['a', 1, 'b', 2, 3, 'filled', 'o1', 'standing', 'o2'],
    });
    expect(held.size).toBe(0);
    expect(held.take()).toBeNull();
  });

  it('sends the same writes again as the same statement, with the new values', () => {
    const held = new DeferredWrites();
    const fill = (id: string, amount: number) => {
      held.hold(write('insert', 'entries', null, 'insert into "entries" values ($1, $2)', [id, amount]));
      held.hold(write('replace', 'orders', id, 'update "orders" set s = $1 where id = $2', ['filled', id]));
      return held.take();
    };
    const first = fill('a', 1);
    const again = fill('b', 2);
    expect(again).toEqual({ text: first!.text, values: ['b', 2, 'filled', 'b'] });
    expect(again!.text).toBe('with "allot_w1" as (insert into "entries" values ($1, $2)) update "orders" set s = $3 where id = $4');
  });

  it('sends one alone as it is', () => {
    const held = new DeferredWrites();
    held.hold(write('insert', 'entries', null, 'insert into "entries" values ($1)', ['a']));
    expect(held.take()).toEqual({ text: 'insert into "entries" values ($1)', values: ['a'] });
  });

  it('refuses a write that would see or touch the rows of one held: it goes after them', () => {
    const held = new DeferredWrites();
    held.hold(write('update', 'balances', null, 'update "balances" set x = x + 1'));
    expect(held.hold(write('update', 'balances', null, 'update "balances" set x = x + 2'))).toBe(false);
    held.hold(write('insert', 'orders', null, 'insert into "orders" values (1)'));
    expect(held.hold(write('replace', 'orders', 'o1', 'update "orders" set s = 1 where id = 1'))).toBe(false);
    expect(held.hold(write('insert', 'balances', null, 'insert into "balances" values (1)'))).toBe(false);
    expect(held.size).toBe(2);
  });

  it('lets a later whole-row write of the same row stand for the earlier one', () => {
    const held = new DeferredWrites();
    held.hold(write('replace', 'orders', 'o1', 'update "orders" set s = $1 where id = $2', ['partially_filled', 'o1']));
    held.hold(write('insert', 'contracts', null, 'insert into "contracts" values ($1)', ['c1']));
    expect(held.hold(write('replace', 'orders', 'o1', 'update "orders" set s = $1 where id = $2', ['filled', 'o1']))).toBe(true);
    expect(held.take()).toEqual({ text: 'with "allot_w1" as (insert into "contracts" values ($1)) update "orders" set s = $2 where id = $3', values: ['c1', 'filled', 'o1'] });
  });

  it('drops what it holds', () => {
    const held = new DeferredWrites();
    held.hold(write('insert', 'entries', null, 'insert into "entries" values (1)'));
    held.drop();
    expect(held.take()).toBeNull();
  });
});

describe.each(testDialects)('held writes in a transaction on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  let entrySeq = 0;
  const entry = (fromKey: string, toKey: string, amountMicros: number): MoneyEntryRecord => ({
    id: `me_held_${++entrySeq}`,
    fromKey,
    toKey,
    amountMicros,
    reason: 'test',
    orderId: null,
    contractId: null,
    createdAt: 1000,
  });

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
  });
  afterAll(() => testStore.dispose());

  it('are seen by the statements after them, in order, and kept by the commit', async () => {
    const seen = await store.transaction(async (tx) => {
      await tx.money.lock(['held:a', 'held:b']);
      await tx.money.moveAll([entry('held:a', 'held:b', 5)]);
      await tx.money.moveAll([entry('held:b', 'held:a', 2), entry('held:a', 'held:b', 1)]);
      const balances = await tx.money.allBalances();
      const entries = (await tx.money.allEntries()).filter((row) => row.fromKey.startsWith('held:'));
      return { a: balances.get('held:a'), b: balances.get('held:b'), entries: entries.map((row) => row.amountMicros) };
    });
    expect(seen).toEqual({ a: -4, b: 4, entries: [5, 2, 1] });
    const after = await store.read((tx) => tx.money.allBalances());
    expect([after.get('held:a'), after.get('held:b')]).toEqual([-4, 4]);
  });

  it('are dropped when the transaction rolls back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.money.lock(['held:a', 'held:b']);
        await tx.money.moveAll([entry('held:a', 'held:b', 100)]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const after = await store.read((tx) => tx.money.allBalances());
    expect([after.get('held:a'), after.get('held:b')]).toEqual([-4, 4]);
    // The connection holds nothing of it afterwards: the next transaction on it writes only its own.
    await store.transaction(async (tx) => {
      await tx.money.lock(['held:a', 'held:b']);
      await tx.money.moveAll([entry('held:b', 'held:a', 4)]);
    });
    const last = await store.read((tx) => tx.money.allBalances());
    expect([last.get('held:a'), last.get('held:b')]).toEqual([0, 0]);
  });

  it('run after a book lock that is taken without waiting to hear of it, and only once it is taken', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const firstHolds = new Promise<void>((resolve) => (taken = resolve));
    const first = store.transaction(async (tx) => {
      await tx.orders.lockBook('sku_pipelined');
      await tx.settings.get('pipelined');
      taken();
      await held;
      await tx.settings.set('pipelined', 'first');
      order.push('first commits');
    });
    await firstHolds;
    const second = store.transaction(async (tx) => {
      await tx.orders.lockBook('sku_pipelined');
      const seen = await tx.settings.get('pipelined');
      order.push(`second reads ${seen}`);
    });
    // Long enough for the second to run ahead if the lock did not hold it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    order.push('released');
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['released', 'first commits', 'second reads first']);
  });

  it('are seen by reads sent ahead, which answer what they read in whatever order they are asked', async () => {
    await store.transaction(async (tx) => {
      await tx.money.lock(['ahead:a', 'ahead:b']);
      await tx.money.moveAll([entry('ahead:a', 'ahead:b', 3)]);
    });
    const seen = await store.transaction(async (tx) => {
      await tx.money.lock(['ahead:c']);
      await tx.money.moveAll([entry('ahead:c', 'ahead:a', 2)]);
      // Sent one behind another before either is heard; the second names a new ledger account.
      const first = await tx.money.lockAhead(['ahead:b', 'ahead:a']);
      const second = await tx.money.lockAhead(['ahead:new', 'ahead:c']);
      const later = await second();
      const earlier = await first();
      return { a: earlier.get('ahead:a'), b: earlier.get('ahead:b'), c: later.get('ahead:c'), fresh: later.get('ahead:new') };
    });
    expect(seen).toEqual({ a: -1, b: 3, c: -2, fresh: 0 });
  });

  it('fail the transaction when they fail, and nothing of it is kept', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.money.lock(['held:a', 'held:b']);
        await tx.money.moveAll([entry('held:a', 'held:b', 7)]);
        // A contract of orders that do not exist: its foreign keys refuse it.
        await tx.contracts.insert({ id: 'contract_held', instanceSkuId: 'sku_none', buyOrderId: 'order_none', sellOrderId: 'order_none_2', schedule: emptySchedule, startAt: 0, endAt: 60, priceMicros: 1, totalMicros: 1, feeMicros: 0, filledAt: 1000 });
        return 'done';
      }),
    ).rejects.toThrow();
    const after = await store.read((tx) => tx.money.allBalances());
    expect([after.get('held:a'), after.get('held:b')]).toEqual([0, 0]);
  });
});
