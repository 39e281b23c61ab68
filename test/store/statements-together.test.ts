// Prepared statements a transaction starts together, each sent ahead on PostgreSQL without
// waiting for the answers before it (postgres-store.ts, `runCompiled` and `readAhead`): on every
// engine each caller gets its own answer, and a statement that fails fails the transaction, its
// error heard first by the statements started after it, and nothing of the transaction is kept.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySchedule } from '../../src/domain/kernel/schedule.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

describe.each(testDialects)('statements started together in a transaction on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
    await store.transaction(async (tx) => {
      await tx.instanceSkus.insert({ id: 'isku_detached_a', alias: 'detached-a', properties: {} as never, createdAt: 1000 });
      await tx.instanceSkus.insert({ id: 'isku_detached_b', alias: 'detached-b', properties: {} as never, createdAt: 1000 });
    });
  });
  afterAll(() => testStore.dispose());

  it('answer each its own rows, in a transaction and outside one', async () => {
    const read = (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) =>
      Promise.all([tx.instanceSkus.findById('isku_detached_b'), tx.instanceSkus.findById('isku_none'), tx.instanceSkus.findById('isku_detached_a')]);
    const [b, none, a] = await store.transaction(read);
    expect([b?.alias, none, a?.alias]).toEqual(['detached-b', undefined, 'detached-a']);
    const [b2, none2, a2] = await store.read(read);
    expect([b2?.alias, none2, a2?.alias]).toEqual(['detached-b', undefined, 'detached-a']);
  });

  it('fail the transaction when one fails, each caller after it hearing the first error, and nothing of it is kept', async () => {
    const errors: unknown[] = [];
    await expect(
      store.transaction(async (tx) => {
        await tx.settings.set('detached', 'written');
        // A transfer between pools that do not exist: its foreign keys refuse it.
        const refused = tx.poolTransfers.insert(
          { id: 'pxfr_detached', accountId: 'acct_none', fromPoolId: 'pool_none', toPoolId: 'pool_none_2', instanceSkuId: 'isku_detached_a', delta: emptySchedule, status: 'executed', rejectedReason: null, createdAt: 1000 },
          'detached-a',
        );
        const after = tx.instanceSkus.findById('isku_detached_a');
        const outcomes = await Promise.allSettled([refused, after]);
        for (const outcome of outcomes) errors.push(outcome.status === 'rejected' ? outcome.reason : null);
        await refused;
      }),
    ).rejects.toThrow();
    expect(errors[0]).not.toBeNull();
    // SQLite ran the read on its own; PostgreSQL's read, sent behind the refused insert, hears its error.
    if (dialect === 'postgres') expect(errors[1]).toBe(errors[0]);
    expect(await store.read((tx) => tx.settings.get('detached'))).toBeUndefined();
    // The connection holds nothing of it afterwards.
    expect((await store.transaction((tx) => tx.instanceSkus.findById('isku_detached_a')))?.alias).toBe('detached-a');
  });
});
