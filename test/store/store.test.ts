// The Store contract, run on every engine: transactions commit results and roll back failures,
// names stay unique under races, and lists page and filter as the domain's model says.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail } from '../../src/domain/kernel/failures.js';
import { parsePageQuery, type PageRequest } from '../../src/domain/kernel/pagination.js';
import { noTagFilter, type TagFilter, tagsMatch } from '../../src/domain/kernel/tags.js';
import type { Store } from '../../src/store/store.js';
import { openStore } from '../../src/store/open-store.js';
import { postgresCommitListenStaleMs } from '../../src/domain/kernel/limits.js';
import type { CommitListener } from '../../src/store/postgres/commit-listener.js';
import pg from 'pg';
import { eventually } from '../support/eventually.js';
import { openTestStore, postgresUrl, type TestStore, testDialects } from '../support/stores.js';
import { instanceRowsPerInsertMax } from '../../src/domain/kernel/limits.js';
import type { InstanceRecord } from '../../src/store/compute.js';

const firstPage = parsePageQuery('poolc', { limit: 200 }) as PageRequest;

describe.each(testDialects)('store contract on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  let counter = 0;

  beforeAll(async () => {
    testStore = await openTestStore(dialect, 1000);
    store = testStore.store;
  });
  afterAll(() => testStore.dispose());

  async function newAccount(): Promise<{ accountId: string; workspaceId: string }> {
    const accountId = `acct-${++counter}`;
    const workspaceId = `wksp_w${counter}`;
    await store.transaction(async (tx) => {
      await tx.accounts.insert({ id: accountId, name: accountId, defaultWorkspaceId: workspaceId, createdAt: 1000 });
      await tx.workspaces.insert({ id: workspaceId, accountId, name: 'default', createdAt: 1000 });
    });
    return { accountId, workspaceId };
  }

  function pool(accountId: string, workspaceId: string, name: string, tags: Record<string, string> = {}) {
    return { id: `pool_${name.replace(/[^0-9a-zA-Z_-]/g, '')}${++counter}`, accountId, workspaceId, name, kind: 'market' as const, tags, createdAt: 1000 };
  }

  it('commits what a transaction returns', async () => {
    const result = await store.transaction(async (tx) => {
      await tx.settings.set('contract-commit', 'yes');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await store.transaction((tx) => tx.settings.get('contract-commit'))).toBe('yes');
  });

  it('rolls back a transaction that returns a failure, and returns the failure', async () => {
    const result = await store.transaction(async (tx) => {
      await tx.settings.set('contract-failure', 'written');
      return fail('pool_not_found', 'no such pool');
    });
    expect(result).toEqual({ failure: 'pool_not_found', message: 'no such pool' });
    expect(await store.transaction((tx) => tx.settings.get('contract-failure'))).toBeUndefined();
  });

  it('rolls back a transaction that throws', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.settings.set('contract-throw', 'written');
        throw new Error('bug');
      }),
    ).rejects.toThrow('bug');
    expect(await store.transaction((tx) => tx.settings.get('contract-throw'))).toBeUndefined();
  });

  it('overwrites a setting', async () => {
    await store.transaction((tx) => tx.settings.set('contract-overwrite', 'a'));
    await store.transaction((tx) => tx.settings.set('contract-overwrite', 'b'));
    expect(await store.transaction((tx) => tx.settings.get('contract-overwrite'))).toBe('b');
  });

  it('reports a taken pool name as a value, also when concurrent transactions race for it', async () => {
    const { accountId, workspaceId } = await newAccount();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => store.transaction((tx) => tx.pools.insert(pool(accountId, workspaceId, 'contested')))),
    );
    expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'name_taken')).toHaveLength(7);
  });

  it('frees a name when its pool is deleted', async () => {
    const { accountId, workspaceId } = await newAccount();
    const first = pool(accountId, workspaceId, 'reused');
    await store.transaction((tx) => tx.pools.insert(first));
    await store.transaction((tx) => tx.pools.softDelete(first.id, 2000));
    expect(await store.transaction((tx) => tx.pools.insert(pool(accountId, workspaceId, 'reused')))).toBe('written');
    expect(await store.transaction((tx) => tx.pools.findById(accountId, first.id))).toBeUndefined();
  });

  it('filters pools by tags as the domain model does', async () => {
    const { accountId, workspaceId } = await newAccount();
    const tagKeys = ['env', 'team', 'tier'];
    const tagValues = ['a', 'b'];
    const tagsArbitrary = fc.dictionary(fc.constantFrom(...tagKeys), fc.constantFrom(...tagValues), { maxKeys: 3 });
    const stored: { id: string; tags: Record<string, string> }[] = [];
    const samples = fc.sample(tagsArbitrary, { numRuns: 25, seed: 7 });
    for (const [index, tags] of samples.entries()) {
      const row = pool(accountId, workspaceId, `tagged-${index}`, tags);
      await store.transaction((tx) => tx.pools.insert(row));
      stored.push({ id: row.id, tags });
    }
    const filterArbitrary = fc.record({
      pairs: fc.array(fc.record({ key: fc.constantFrom(...tagKeys), value: fc.constantFrom(...tagValues) }), { maxLength: 2 }),
      keys: fc.array(fc.constantFrom(...tagKeys), { maxLength: 2 }),
    });
    for (const filter of fc.sample(filterArbitrary, { numRuns: 30, seed: 11 }) as TagFilter[]) {
      const listed = await store.transaction((tx) => tx.pools.listWithHoldings({ accountId, workspaceId: null, ids: null, tags: filter }, firstPage));
      const expected = stored.filter((row) => tagsMatch(row.tags, filter)).map((row) => row.id).reverse();
      expect(listed.map((row) => row.id), JSON.stringify(filter)).toEqual(expected);
    }
  });

  it('lists only the given ids, and nothing for an empty id list', async () => {
    const { accountId, workspaceId } = await newAccount();
    const rows = [pool(accountId, workspaceId, 'one'), pool(accountId, workspaceId, 'two'), pool(accountId, workspaceId, 'three')];
    for (const row of rows) await store.transaction((tx) => tx.pools.insert(row));
    const some = await store.transaction((tx) => tx.pools.listWithHoldings({ accountId, workspaceId, ids: [rows[0]!.id, rows[2]!.id], tags: noTagFilter }, firstPage));
    expect(some.map((row) => row.name)).toEqual(['three', 'one']);
    const none = await store.transaction((tx) => tx.pools.listWithHoldings({ accountId, workspaceId, ids: [], tags: noTagFilter }, firstPage));
    expect(none).toEqual([]);
  });

  describe('cached reads', () => {
    // SQLite's process is the file's only writer, so a read stays true until its next
    // transaction. PostgreSQL is shared with other processes: a read stays true until this
    // process's next transaction or until another's commit is notified (commit-listener.ts), so
    // another process's write is seen once its notification has arrived, not at once.
    const soleWriter = dialect === 'sqlite';
    let key = 0;
    /** Another process's store on the same database (PostgreSQL); the same store on SQLite. */
    let other: Store;

    beforeAll(async () => {
      other = soleWriter ? store : await openStore(postgresUrl!, 1000, { schema: testStore.schema! });
    });
    afterAll(async () => {
      if (other !== store) await other.close();
    });

    async function cachedSetting(name: string, counter: { reads: number }, on: Store = store) {
      return on.readCached(name, async (tx) => {
        counter.reads++;
        return { value: (await tx.settings.get(name)) ?? null };
      });
    }

    it('remembers a read until a transaction begins, also one that rolls back or throws', async () => {
      const name = `cached-${++key}`;
      const counter = { reads: 0 };
      await store.transaction((tx) => tx.settings.set(name, 'one'));
      expect(await cachedSetting(name, counter)).toEqual({ value: 'one' });
      expect(await cachedSetting(name, counter)).toEqual({ value: 'one' });
      if (soleWriter) expect(counter.reads).toBe(1);
      else expect(counter.reads).toBeLessThanOrEqual(2);
      await store.transaction((tx) => tx.settings.set(name, 'two'));
      expect(await cachedSetting(name, counter)).toEqual({ value: 'two' });
      for (const write of [async () => fail('pool_not_found', 'refused'), async () => { throw new Error('bug'); }]) {
        const before = counter.reads;
        await store.transaction(write).catch(() => undefined);
        expect(await cachedSetting(name, counter)).toEqual({ value: 'two' });
        // PostgreSQL reads again only if something committed: these wrote nothing.
        if (soleWriter) expect(counter.reads).toBe(before + 1);
        else expect(counter.reads).toBeLessThanOrEqual(before + 1);
      }
    });

    it('keeps a read of tokens through transactions that write no token, and forgets it when one does', async () => {
      const { accountId } = await newAccount();
      const tokenHash = `hash-${++key}`;
      const id = `tok_cached${key}`;
      await store.transaction((tx) => tx.tokens.insert({ id, accountId, userId: null, tokenHash, suffix: 'abcd', name: null, description: null, originClient: null, expiresAt: null, createdAt: 1000 }));
      const counter = { reads: 0 };
      const cachedToken = () =>
        store.readCached(
          `token ${tokenHash}`,
          async (tx) => {
            counter.reads++;
            return (await tx.tokens.findByHash(tokenHash)) ?? null;
          },
          'tokens',
        );
      /** Whether the token is read from the database (not remembered) the next time, once the
       * reads have settled (on PostgreSQL other tests' commits make it read again at times). */
      const readAgainAfter = async (write: () => Promise<unknown>) => {
        await cachedToken();
        await write();
        const before = counter.reads;
        const token = await cachedToken();
        return { token, readAgain: counter.reads > before };
      };
      const settingWrite = await readAgainAfter(() => store.transaction((tx) => tx.settings.set(`unrelated-${key}`, 'x')));
      expect(settingWrite.token?.revokedAt).toBeNull();
      if (soleWriter) expect(settingWrite.readAgain).toBe(false);
      const activity = await readAgainAfter(() => store.transaction((tx) => tx.tokens.recordActivity(id, 2000, 1500)));
      expect(activity).toMatchObject({ token: { lastActiveAt: 2000 }, readAgain: true });
      const revoked = await readAgainAfter(() => store.transaction((tx) => tx.tokens.revoke(id, 3000)));
      expect(revoked).toMatchObject({ token: { revokedAt: 3000 }, readAgain: true });
      // A write of a token in a transaction that rolls back is forgotten all the same.
      const refused = await readAgainAfter(() => store.transaction(async (tx) => (await tx.tokens.recordActivity(id, 4000, 3500), fail('pool_not_found', 'refused'))));
      expect(refused).toMatchObject({ token: { lastActiveAt: 2000 }, readAgain: true });
    });

    it('remembers reads on PostgreSQL too, while nothing commits', async () => {
      if (soleWriter) return;
      const name = `cached-${++key}`;
      const counter = { reads: 0 };
      await store.transaction((tx) => tx.settings.set(name, 'kept'));
      // Other tests may write to the cluster meanwhile; of a hundred reads most are remembered.
      for (let read = 0; read < 100; read++) expect(await cachedSetting(name, counter)).toEqual({ value: 'kept' });
      expect(counter.reads).toBeLessThan(50);
    });

    it('shows a write at once to the process that made it, and to another once it is notified', async () => {
      const name = `cached-${++key}`;
      const counter = { reads: 0 };
      for (let round = 0; round < 30; round++) {
        const [writer, reader] = round % 2 === 0 ? [other, store] : [store, other];
        await writer.transaction((tx) => tx.settings.set(name, `v${round}`));
        expect(await cachedSetting(name, counter, writer)).toEqual({ value: `v${round}` });
        await eventually(async () => (await cachedSetting(name, counter, reader)).value === `v${round}`);
        expect(await cachedSetting(name, counter, writer)).toEqual({ value: `v${round}` });
      }
    });

    it('forgets what it remembered when its listening connection is lost, and remembers again once listening', async () => {
      if (soleWriter) return;
      const watch = commitListenerOf(store);
      expect(await watch.listening(10_000)).toBe(true);
      const name = `cached-${++key}`;
      const counter = { reads: 0 };
      await store.transaction((tx) => tx.settings.set(name, 'one'));
      await eventually(async () => {
        const before = counter.reads;
        await cachedSetting(name, counter);
        return counter.reads === before;
      });
      const lost = await watch.backendPid();
      expect(lost).not.toBeNull();
      await terminateBackend(lost!);
      // Written while the listener is gone or going: its notification may never reach it.
      await other.transaction((tx) => tx.settings.set(name, 'two'));
      // Listening again on a new connection (the old one may answer nothing for a while first).
      await eventually(async () => {
        const pid = await watch.backendPid().catch(() => null);
        return watch.trusted && pid !== null && pid !== lost;
      });
      expect(await cachedSetting(name, counter)).toEqual({ value: 'two' });
      await eventually(async () => {
        const before = counter.reads;
        expect(await cachedSetting(name, counter)).toEqual({ value: 'two' });
        return counter.reads === before;
      });
    });

    it('waits, before a write that must hold everywhere is answered, until every process has heard of it', async () => {
      const started = performance.now();
      await store.untilHeardEverywhere();
      // A lower bound only: a wait is never shorter than asked, whatever the machine's load.
      if (!soleWriter) expect(performance.now() - started).toBeGreaterThanOrEqual(postgresCommitListenStaleMs);
    });

    it('hands every caller the same frozen value where it remembers one', async () => {
      const name = `cached-${++key}`;
      const counter = { reads: 0 };
      await store.transaction((tx) => tx.settings.set(name, 'shared'));
      const first = await cachedSetting(name, counter);
      const second = await cachedSetting(name, counter);
      // On PostgreSQL another test's commit between the two makes the second a new read.
      if (soleWriter || counter.reads === 1) expect(second).toBe(first);
      expect(() => {
        (first as { value: string | null }).value = 'changed';
      }).toThrow(TypeError);
    });

    it('never answers with a value older than the last write that finished before the read began, under concurrency', async () => {
      // The model: each write gives a new value; a read may answer the value of the last write
      // that finished before it began, or of any write that overlapped it, nothing else. Of two
      // writes that overlapped, either may have committed last, whatever order they were answered
      // in (a commit is answered only once announced, and the other may commit meanwhile): so
      // "the last" is any that no other wholly followed. On PostgreSQL writes and reads go
      // through two processes' stores at random.
      const commands = fc.array(fc.record({ write: fc.boolean(), fails: fc.boolean(), delayed: fc.boolean(), elsewhere: fc.boolean() }), { minLength: 1, maxLength: 12 });
      await fc.assert(
        fc.asyncProperty(commands, async (batch) => {
          const name = `cached-${++key}`;
          await store.transaction((tx) => tx.settings.set(name, 'initial'));
          let clock = 0;
          const writes: { value: string; on: Store; startedAt: number; endedAt: number; failed: boolean }[] = [{ value: 'initial', on: store, startedAt: -2, endedAt: -1, failed: false }];
          const reads: { value: string | null; on: Store; startedAt: number; endedAt: number }[] = [];
          await Promise.all(
            batch.map(async (command, index) => {
              if (command.delayed) await new Promise((resolve) => setImmediate(resolve));
              const on = command.elsewhere ? other : store;
              const startedAt = ++clock;
              if (command.write) {
                const value = `v${index}`;
                await on.transaction(async (tx) => {
                  await tx.settings.set(name, value);
                  return command.fails ? fail('pool_not_found', 'refused') : null;
                });
                writes.push({ value, on, startedAt, endedAt: ++clock, failed: command.fails });
              } else {
                const { value } = await cachedSetting(name, { reads: 0 }, on);
                reads.push({ value, on, startedAt, endedAt: ++clock });
              }
            }),
          );
          const succeeded = writes.filter((write) => !write.failed);
          /** The writes of `candidates` that none of them wholly followed: any may have committed last. */
          const latestOf = (candidates: typeof succeeded) => candidates.filter((write) => !candidates.some((later) => later.startedAt > write.endedAt));
          for (const read of reads) {
            const lastBefore = latestOf(succeeded.filter((write) => write.endedAt < read.startedAt));
            const overlapping = succeeded.filter((write) => write.startedAt < read.endedAt && write.endedAt > read.startedAt);
            // Another process's write may not have been notified yet: any of them that committed
            // after the reading process's own last write before the read may still be answered.
            const ownBefore = succeeded.filter((write) => write.on === read.on && write.endedAt < read.startedAt).at(-1);
            const notYetNotified = succeeded.filter((write) => write.on !== read.on && write.endedAt < read.startedAt && (ownBefore === undefined || write.endedAt > ownBefore.startedAt));
            expect([...lastBefore, ...overlapping, ...notYetNotified, ...(ownBefore === undefined ? [] : [ownBefore])].map((write) => write.value)).toContain(read.value);
          }
          // And once everything has settled, the value committed last is one of the latest writes,
          // and every process answers it.
          const last = await store.read((tx) => tx.settings.get(name));
          expect(latestOf(succeeded).map((write) => write.value)).toContain(last);
          for (const on of [store, other]) await eventually(async () => (await cachedSetting(name, { reads: 0 }, on)).value === last, `${name} read as ${last} by each process`, 10_000);
        }),
        { numRuns: 40, seed: 5 },
      );
    });
  });

  it('inserts instances many at a time, past one statement\'s rows, and starts, reads, locks and ends them by lists of any length', async () => {
    const { accountId, workspaceId } = await newAccount();
    const pools = [pool(accountId, workspaceId, 'many-a'), pool(accountId, workspaceId, 'many-b'), pool(accountId, workspaceId, 'many-c')];
    const skuId = `sku_many${++counter}`;
    const imageId = `image_many${counter}`;
    await store.transaction(async (tx) => {
      for (const row of pools) await tx.pools.insert(row);
      await tx.instanceSkus.insert({ id: skuId, alias: skuId, properties: {} as never, createdAt: 1000 });
      await tx.images.insert({ id: imageId, accountId, workspaceId, name: imageId, uploadStatus: 'completed', sha256: null, size: null, isPublic: false, createdAt: 1000, updatedAt: 1000 });
    });
    // Ids that an array literal must quote (PostgreSQL) and JSON must escape (SQLite).
    const oddIds = ['inst_"quoted"', 'inst_back\\slash', 'inst_{braced,comma}', 'inst_NULL'];
    const instance = (index: number): Omit<InstanceRecord, 'seq'> => ({
      id: oddIds[index] ?? `inst_many${counter}_${index}`,
      accountId,
      workspaceId,
      name: `many-${counter}-${index}`,
      poolId: pools[index % 2]!.id,
      instanceSkuId: skuId,
      imageId,
      deploymentId: null,
      cloudInitUserData: null,
      tags: {},
      priority: 'normal',
      status: 'awaiting_allocation',
      enablePublicIpv4: false,
      firewall: null,
      infiniband: false,
      createdAt: 1000,
      updatedAt: 1000,
      startedAt: null,
      endedAt: null,
    });
    const instances = Array.from({ length: instanceRowsPerInsertMax + 1 }, (_, index) => instance(index));
    await store.transaction((tx) => tx.instances.insertMany(instances));
    const keys = pools.map((row) => ({ poolId: row.id, instanceSkuId: skuId }));
    const live = await store.read((tx) => tx.instances.liveInPoolSkus(keys));
    expect(live.map((row) => row.id).sort()).toEqual(instances.map((row) => row.id).sort());
    // In pool, SKU, status and seq order, as the engine's batch reads them.
    const inOrder = [...live].sort((a, b) => (a.poolId === b.poolId ? a.seq - b.seq : a.poolId < b.poolId ? -1 : 1));
    expect(live).toEqual(inOrder);
    // A balance for each of three pools, the third made by the lock itself.
    const locked = await store.transaction((tx) => tx.allocation.lockBalances(keys));
    expect(locked.map((balance) => balance.poolId)).toEqual(pools.map((row) => row.id));
    await store.transaction((tx) => tx.instances.markRunning(instances.map((row) => row.id), 2000));
    expect((await store.read((tx) => tx.instances.liveInPoolSkus(keys))).every((row) => row.status === 'running')).toBe(true);
    await store.transaction((tx) => tx.instances.markEnded([...oddIds, instances.at(-1)!.id], 'terminated', 3000));
    const ended = new Set([...oddIds, instances.at(-1)!.id]);
    expect((await store.read((tx) => tx.instances.liveInPoolSkus(keys))).map((row) => row.id).sort()).toEqual(instances.map((row) => row.id).filter((id) => !ended.has(id)).sort());
    // A name taken is a bug for insertMany: it throws, and nothing of the statement is written.
    await expect(store.transaction((tx) => tx.instances.insertMany([{ ...instance(0), id: `inst_dup${counter}`, name: instances[5]!.name }]))).rejects.toThrow();
    expect(await store.read((tx) => tx.instances.findByName(workspaceId, instances[5]!.name))).toMatchObject({ id: instances[5]!.id });
    // A deployment's batch: the names the workspace has are found in one go, past one statement's
    // names, and an insert skips the rows whose names were taken meanwhile, writing the rest.
    const asked = [...instances.map((row) => row.name), 'free-1', 'free-2'];
    expect([...(await store.read((tx) => tx.instances.namesTaken(workspaceId, asked)))].sort()).toEqual(instances.map((row) => row.name).sort());
    const batch = [{ ...instance(0), id: `inst_free${counter}`, name: 'free-1' }, { ...instance(0), id: `inst_dup${counter}`, name: instances[6]!.name }];
    expect([...(await store.transaction((tx) => tx.instances.insertManyUnlessNameTaken(batch)))]).toEqual([`inst_free${counter}`]);
    expect(await store.read((tx) => tx.instances.findByName(workspaceId, 'free-1'))).toMatchObject({ id: `inst_free${counter}` });
    expect(await store.read((tx) => tx.instances.findByName(workspaceId, instances[6]!.name))).toMatchObject({ id: instances[6]!.id });
  });

  it('keeps idempotency records and forgets old ones', async () => {
    const { accountId } = await newAccount();
    const record = { accountId, key: 'k1', operation: 'test', requestHash: 'h', statusCode: 202, responseBody: { a: [1, 2] }, createdAt: 5000 };
    await store.transaction((tx) => tx.idempotency.insert(record));
    expect(await store.transaction((tx) => tx.idempotency.find(accountId, 'k1'))).toEqual(record);
    expect(await store.transaction((tx) => tx.idempotency.deleteOlderThan(5001))).toBeGreaterThanOrEqual(1);
    expect(await store.transaction((tx) => tx.idempotency.find(accountId, 'k1'))).toBeUndefined();
  });
});

/** The commit listener of a PostgreSQL store, to watch and break its connection. */
function commitListenerOf(on: Store): CommitListener {
  return (on as unknown as { adapter: { commitWatch: CommitListener } }).adapter.commitWatch;
}

async function terminateBackend(pid: number): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await client.end();
  }
}
