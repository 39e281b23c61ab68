// Transactions that arrive together (committed as one group on SQLite, store/commit-group.ts):
// each keeps or loses its own writes whatever the others do, and is answered only once what it
// kept is committed. Run on every engine: PostgreSQL commits each alone, to the same effect.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteCommitGroupMembersMax } from '../../src/domain/kernel/limits.js';
import { fail, isFailure } from '../../src/domain/kernel/failures.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

describe.each(testDialects)('transactions arriving together on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
  });
  afterAll(() => testStore.dispose());

  it('keeps each one that succeeds and none of one that fails or is refused, more than a group holds', async () => {
    const count = sqliteCommitGroupMembersMax * 3 + 5;
    const committed: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, (_, index) =>
        store.transaction(async (tx) => {
          await tx.settings.set(`together-${index}`, String(index));
          tx.afterCommit(() => committed.push(index));
          if (index % 7 === 3) return fail('name_taken', `refused ${index}`);
          if (index % 11 === 5) throw new Error(`failed ${index}`);
          return index;
        }),
      ),
    );
    const kept = (index: number) => index % 7 !== 3 && index % 11 !== 5;
    for (const [index, outcome] of outcomes.entries()) {
      if (index % 11 === 5 && index % 7 !== 3) expect(outcome).toMatchObject({ status: 'rejected', reason: { message: `failed ${index}` } });
      else if (index % 7 === 3) expect(outcome.status === 'fulfilled' && isFailure(outcome.value)).toBe(true);
      else expect(outcome).toEqual({ status: 'fulfilled', value: index });
    }
    expect(committed.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index).filter(kept));
    const stored = await store.read(async (tx) => Promise.all(Array.from({ length: count }, (_, index) => tx.settings.get(`together-${index}`))));
    expect(stored).toEqual(Array.from({ length: count }, (_, index) => (kept(index) ? String(index) : undefined)));
  });
});
