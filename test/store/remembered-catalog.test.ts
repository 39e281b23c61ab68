// Pools and instance SKUs remembered between transactions where the process is the only writer
// (store/remembered-catalog.ts): the catalog's own rules, and, on every engine, that what a
// transaction reads of them is what the database holds, through renames, deletions, refused
// writes and transactions sharing a commit group.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberedCatalogRowsMax } from '../../src/domain/kernel/limits.js';
import { fail } from '../../src/domain/kernel/failures.js';
import { RememberedCatalog } from '../../src/store/remembered-catalog.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore, testDialects } from '../support/stores.js';

describe('RememberedCatalog', () => {
  it('serves what was remembered until a write begins, and nothing until every write has ended', () => {
    const catalog = new RememberedCatalog();
    catalog.remember(catalog.mark, 'a', { name: 'first' });
    expect(catalog.get('a')).toEqual({ name: 'first' });
    catalog.writeBegins();
    expect(catalog.get('a')).toBeUndefined();
    catalog.remember(catalog.mark, 'a', { name: 'seen inside the write' });
    catalog.writeBegins();
    catalog.writeEnded();
    expect(catalog.get('a')).toBeUndefined();
    catalog.writeEnded();
    expect(catalog.get('a')).toBeUndefined();
    catalog.remember(catalog.mark, 'a', { name: 'after' });
    expect(catalog.get('a')).toEqual({ name: 'after' });
  });

  it('does not keep a read that a write began and ended during', () => {
    const catalog = new RememberedCatalog();
    const mark = catalog.mark;
    catalog.writeBegins();
    catalog.writeEnded();
    catalog.remember(mark, 'a', { name: 'from before the write' });
    expect(catalog.get('a')).toBeUndefined();
  });

  it('freezes what it remembers and forgets the oldest past its bound', () => {
    const catalog = new RememberedCatalog();
    const value = { tags: { env: 'dev' } };
    catalog.remember(catalog.mark, 'first', value);
    expect(Object.isFrozen(value.tags)).toBe(true);
    for (let index = 1; index <= rememberedCatalogRowsMax; index++) catalog.remember(catalog.mark, `row ${index}`, {});
    expect(catalog.get('first')).toBeUndefined();
    expect(catalog.get(`row ${rememberedCatalogRowsMax}`)).toEqual({});
  });
});

describe.each(testDialects)('remembered pools and SKUs on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  const accountId = 'acct_catalog';
  const otherAccountId = 'acct_catalog_other';
  const workspaceId = 'ws_catalog';
  const pool = (id: string, name: string) => ({ id, accountId, workspaceId, name, kind: 'market' as const, tags: {}, createdAt: 1000 });
  const live = (ids: string[], account = accountId) => store.transaction((tx) => tx.pools.findLiveLocked(account, ids));

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
    await store.transaction(async (tx) => {
      await tx.accounts.insert({ id: accountId, name: accountId, defaultWorkspaceId: workspaceId, createdAt: 1000 });
      await tx.accounts.insert({ id: otherAccountId, name: otherAccountId, defaultWorkspaceId: 'ws_catalog_other', createdAt: 1000 });
      await tx.workspaces.insert({ id: workspaceId, accountId, name: 'default', createdAt: 1000 });
      for (const id of ['pool_catalog_a', 'pool_catalog_b', 'pool_catalog_c']) await tx.pools.insert(pool(id, id));
      await tx.instanceSkus.insert({ id: 'isku_catalog', alias: 'catalog', properties: {} as never, createdAt: 1000 });
    });
  });
  afterAll(() => testStore.dispose());

  it('reads a pool renamed, its workspace renamed and a pool deleted as they are now', async () => {
    expect((await live(['pool_catalog_b', 'pool_catalog_a'])).map((each) => each.name)).toEqual(['pool_catalog_a', 'pool_catalog_b']);
    await store.transaction((tx) => tx.pools.update('pool_catalog_a', { name: 'renamed' }));
    expect((await live(['pool_catalog_a', 'pool_catalog_b'])).map((each) => each.name)).toEqual(['renamed', 'pool_catalog_b']);
    await store.transaction((tx) => tx.workspaces.rename(workspaceId, 'elsewhere'));
    expect((await live(['pool_catalog_a', 'pool_catalog_b'])).map((each) => each.workspaceName)).toEqual(['elsewhere', 'elsewhere']);
    await store.transaction((tx) => tx.pools.softDelete('pool_catalog_b', 2000));
    expect((await live(['pool_catalog_a', 'pool_catalog_b'])).map((each) => each.id)).toEqual(['pool_catalog_a']);
    // Another account's pool is not found, remembered or not.
    expect(await live(['pool_catalog_a'], otherAccountId)).toEqual([]);
  });

  it('does not keep what a refused transaction wrote, nor serve it to one that shares its commit', async () => {
    expect((await live(['pool_catalog_c'])).map((each) => each.name)).toEqual(['pool_catalog_c']);
    // Sent together, these share one commit group on SQLite and run one after another in it.
    const [refused, deleting, readInGroup] = await Promise.all([
      store.transaction(async (tx) => {
        await tx.pools.update('pool_catalog_c', { name: 'refused' });
        return fail('invalid_request', 'refused on purpose');
      }),
      store.transaction(async (tx) => {
        await tx.pools.softDelete('pool_catalog_c', 3000);
        return 'deleted';
      }),
      store.transaction((tx) => tx.pools.findLiveLocked(accountId, ['pool_catalog_c'])),
    ]);
    expect(refused).toMatchObject({ failure: 'invalid_request' });
    expect(deleting).toBe('deleted');
    // On SQLite the read runs after the deletion in their group. On PostgreSQL the three run at
    // once on connections of their own, so the read may come before the deletion locks the row
    // and find the pool as it was; never under the refused name.
    if (dialect === 'sqlite') expect(readInGroup).toEqual([]);
    expect((readInGroup as { name: string }[]).filter((each) => each.name !== 'pool_catalog_c')).toEqual([]);
    expect(await live(['pool_catalog_c'])).toEqual([]);
  });

  it('reads an instance SKU again after a reset empties the tables', async () => {
    expect((await store.transaction((tx) => tx.instanceSkus.findById('isku_catalog')))?.alias).toBe('catalog');
    expect((await store.read((tx) => tx.instanceSkus.findById('isku_catalog')))?.alias).toBe('catalog');
    await store.transaction((tx) => tx.dataset.clear([]));
    expect(await store.transaction((tx) => tx.instanceSkus.findById('isku_catalog'))).toBeUndefined();
    expect(await live(['pool_catalog_a'])).toEqual([]);
  });
});
