// A named statement runs described by PostgreSQL once per connection, and after that with the
// shape of its rows remembered (store/postgres/described-query.ts): on every engine, each run of
// a statement answers its own rows whole, however many times it ran before on the connection,
// and a statement that answers no rows (a write) runs again as well.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

describe.each(testDialects)('statements run again on one connection on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
  });
  afterAll(() => testStore.dispose());

  it('answer each run its own rows, and write each run', async () => {
    // One transaction is one connection: each statement runs there again and again.
    const seen = await store.transaction(async (tx) => {
      const answers: unknown[] = [];
      for (let index = 0; index < 8; index++) {
        await tx.instanceSkus.insert({ id: `isku_again_${index}`, alias: `again-${index}`, properties: { gpu: `g${index}` } as never, createdAt: 1000 + index });
        const found = await tx.instanceSkus.findById(`isku_again_${index}`);
        const missing = await tx.instanceSkus.findById(`isku_again_none_${index}`);
        answers.push([found?.alias, found?.createdAt, found?.properties, missing]);
      }
      return answers;
    });
    expect(seen).toEqual(Array.from({ length: 8 }, (_, index) => [`again-${index}`, 1000 + index, { gpu: `g${index}` }, undefined]));
    // And on whichever connections the pool gives, after the transaction.
    for (let index = 0; index < 8; index++) {
      const found = await store.read((tx) => tx.instanceSkus.findById(`isku_again_${(index * 3) % 8}`));
      expect(found?.alias).toBe(`again-${(index * 3) % 8}`);
    }
  });
});
