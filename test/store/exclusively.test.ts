// Store.exclusively: one caller at a time holds a named lock, in this process and, on PostgreSQL,
// across processes (two stores over one schema stand for two processes); a lock whose connection
// is lost says so at its next check, and the next caller gets it. Ordering of events, no timings.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { type Store, StoreUnavailable } from '../../src/store/store.js';
import { openTestStore, postgresUrl, type TestStore, testDialects } from '../support/stores.js';

describe.each(testDialects)('Store.exclusively on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  /** Another process's store over the same database (PostgreSQL), or the same store (SQLite). */
  let other: Store;
  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
    other = dialect === 'postgres' ? await openStore(postgresUrl!, 1000, { schema: testStore.schema! }) : store;
  });
  afterAll(async () => {
    if (other !== store) await other?.close();
    await testStore?.dispose();
  });

  /** Runs callers of `exclusively` on the given stores at once; the events of each in order. */
  async function together(stores: readonly Store[], name: string): Promise<string[]> {
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstIn!: () => void;
    const firstEntered = new Promise<void>((resolve) => (firstIn = resolve));
    const first = stores[0]!.exclusively(name, async () => {
      events.push('first in');
      firstIn();
      await firstHolds;
      events.push('first out');
      throw new Error('the first fails');
    });
    await firstEntered;
    const rest = stores.slice(1).map((on, index) =>
      on.exclusively(name, async (held) => {
        held.check();
        events.push(`caller ${index + 2} in`);
        await on.transaction((tx) => tx.settings.set(`exclusively-${name}`, String(index)));
        events.push(`caller ${index + 2} out`);
        return index;
      }),
    );
    // The others are waiting (on the lock, or this process's turn) while the first holds it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    events.push('first released');
    releaseFirst();
    await expect(first).rejects.toThrow('the first fails');
    expect(await Promise.all(rest)).toEqual(stores.slice(1).map((_, index) => index));
    return events;
  }

  it('lets one caller of a process in at a time, in the order they asked, also after one fails', async () => {
    const events = await together([store, store, store], 'in-process');
    expect(events).toEqual(['first in', 'first released', 'first out', 'caller 2 in', 'caller 2 out', 'caller 3 in', 'caller 3 out']);
  });

  it('lets one caller in at a time across processes over the database', async () => {
    const events = await together([store, other], 'across');
    expect(events).toEqual(['first in', 'first released', 'first out', 'caller 2 in', 'caller 2 out']);
    // Locks of different names do not wait on each other.
    expect(await store.exclusively('one', () => other.exclusively('two', async () => 'both'))).toBe('both');
  });

  /** Ends the connections that hold (`granted`) or wait for the lock `name`; how many. */
  async function endLockConnections(name: string, granted: boolean): Promise<number> {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      const ended = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted = $3 AND objsubid = 2 AND classid = $1 AND objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296",
        [0x616c53, `${testStore.schema} ${name}`, granted],
      );
      return ended.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  it.runIf(dialect === 'postgres')('refuses a caller whose connection is lost while it waits, and is not wedged after', async () => {
    let releaseFirst!: () => void;
    let firstIn!: () => void;
    const firstEntered = new Promise<void>((resolve) => (firstIn = resolve));
    const first = store.exclusively('waited', () => new Promise<string>((resolve) => ((releaseFirst = () => resolve('first')), firstIn())));
    await firstEntered;
    // Its outcome taken at once: it fails while the loop below runs.
    const waiting = other.exclusively('waited', async () => 'never').catch((error: unknown) => error);
    // Once the second waits on the lock (its connection's wait is visible to the server), it is ended.
    let ended = 0;
    for (let attempt = 0; attempt < 1000 && ended === 0; attempt++) {
      ended = await endLockConnections('waited', false);
      if (ended === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(ended).toBe(1);
    expect(await waiting).toBeInstanceOf(StoreUnavailable);
    releaseFirst();
    expect(await first).toBe('first');
    expect(await other.exclusively('waited', async () => 'after')).toBe('after');
  });

  it.runIf(dialect === 'postgres')('says a lock whose connection was lost is lost, and gives it to the next caller', async () => {
    let checked: unknown = null;
    const first = store.exclusively('lost', async (held) => {
      expect(await endLockConnections('lost', true)).toBe(1);
      // The connection's end reaches this process as an event: checked until it has.
      for (let attempt = 0; attempt < 1000 && checked === null; attempt++) {
        try {
          held.check();
          await new Promise((resolve) => setTimeout(resolve, 10));
        } catch (error) {
          checked = error;
        }
      }
      return 'went on';
    });
    expect(await first).toBe('went on');
    expect(checked).toBeInstanceOf(StoreUnavailable);
    expect(await other.exclusively('lost', async (held) => (held.check(), 'next'))).toBe('next');
  });
});
