// Tx.afterCommit on both stores: callbacks run once the transaction commits, in order, and never
// for one that rolls back (a Failure or an exception) or for an attempt that is retried.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail } from '../../src/domain/kernel/failures.js';
import { DomainEvents, recordEvent, type DomainEvent } from '../../src/app/kernel/events.js';
import { transactionAttemptsMax } from '../../src/domain/kernel/limits.js';
import { type Store, StoreContended } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

const epoch = 1_767_225_600;

describe.each(testDialects)('after-commit on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeAll(async () => {
    testStore = await openTestStore(dialect, epoch);
    store = testStore.store;
  });
  afterAll(() => testStore.dispose());

  it('runs callbacks after the commit, in order, when the work succeeds', async () => {
    const ran: string[] = [];
    const result = await store.transaction(async (tx) => {
      tx.afterCommit(() => ran.push('first'));
      tx.afterCommit(() => ran.push('second'));
      await tx.settings.set('after-commit-test', 'written');
      expect(ran).toEqual([]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(ran).toEqual(['first', 'second']);
  });

  it('runs nothing for a transaction that returns a Failure or throws', async () => {
    const ran: string[] = [];
    const refused = await store.transaction(async (tx) => {
      tx.afterCommit(() => ran.push('refused'));
      return fail('pool_not_found', 'refused on purpose');
    });
    expect(refused).toMatchObject({ failure: 'pool_not_found' });
    await expect(
      store.transaction(async (tx) => {
        tx.afterCommit(() => ran.push('thrown'));
        throw new Error('thrown on purpose');
      }),
    ).rejects.toThrow('thrown on purpose');
    expect(ran).toEqual([]);
  });

  it('drops what a retried attempt recorded', async () => {
    const ran: number[] = [];
    let attempt = 0;
    await store.transaction(async (tx) => {
      attempt++;
      tx.afterCommit(() => ran.push(attempt));
      if (attempt === 1) throw Object.assign(new Error('conflict'), dialect === 'sqlite' ? { code: 'SQLITE_BUSY' } : { code: '40001' });
      return null;
    });
    expect(attempt).toBe(2);
    expect(ran).toEqual([2]);
  });

  it('gives up after transactionAttemptsMax conflicted attempts as StoreContended, running nothing', async () => {
    const ran: number[] = [];
    let attempts = 0;
    const gaveUp = store.transaction(async (tx) => {
      attempts++;
      tx.afterCommit(() => ran.push(attempts));
      throw Object.assign(new Error('deadlock detected'), dialect === 'sqlite' ? { code: 'SQLITE_BUSY' } : { code: '40P01' });
    });
    await expect(gaveUp).rejects.toBeInstanceOf(StoreContended);
    await expect(gaveUp).rejects.toMatchObject({ statusCode: 503, retryAfterSeconds: 1 });
    expect(attempts).toBe(transactionAttemptsMax);
    expect(ran).toEqual([]);
  });

  it('delivers recorded domain events only from a committed transaction', async () => {
    const events = new DomainEvents();
    const heard: DomainEvent[] = [];
    events.subscribe((event) => heard.push(event));
    const event: DomainEvent = { kind: 'instance_status_changed', instanceId: 'inst_test', status: 'running', at: epoch };
    await store.transaction(async (tx) => {
      recordEvent({ events }, tx, event);
      return fail('pool_not_found', 'rolled back');
    });
    expect(heard).toEqual([]);
    await store.transaction(async (tx) => {
      recordEvent({ events }, tx, event);
      return null;
    });
    expect(heard).toEqual([event]);
  });

  it('refuses afterCommit in a read, which commits nothing', async () => {
    await expect(store.read(async (tx) => tx.afterCommit(() => undefined))).rejects.toThrow('only a transaction commits');
  });
});

describe('domain events', () => {
  it('tell every listener, even when one throws, and report the throw', () => {
    const errors: unknown[] = [];
    const events = new DomainEvents((error) => errors.push(error));
    const heard: string[] = [];
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = events.subscribe((event) => heard.push(event.kind));
    const event: DomainEvent = { kind: 'procurement_starved', procurementId: 'proc_x', accountId: 'acct', message: 'no money', at: epoch };
    events.deliver(event);
    expect(heard).toEqual(['procurement_starved']);
    expect(errors).toHaveLength(1);
    unsubscribe();
    events.deliver(event);
    expect(heard).toEqual(['procurement_starved']);
  });
});
