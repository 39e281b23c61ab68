// Watches what each transaction does to instances, for the tests of deployments' batches: a
// Store whose every transaction counts the instances it inserted, started and ended, and which
// may hold the caller after a commit (between two of the engine's batches, so a test can read
// what a reader sees mid-way).

import type { Store, Tx } from '../../src/store/store.js';

/** Per committed or failed transaction: the instances it inserted, started and ended. */
export interface Counted {
  inserted: number;
  started: string[];
  ended: string[];
}

/** `afterCommit` runs after each committed transaction, before its caller goes on. */
export function countingStore(store: Store, transactions: Counted[], afterCommit: (counted: Counted) => Promise<void> = async () => {}): Store {
  const counting = (tx: Tx, counted: Counted): Tx => {
    const instances: Tx['instances'] = Object.assign(Object.create(tx.instances) as Tx['instances'], {
      insert: (instance: Parameters<Tx['instances']['insert']>[0]) => {
        counted.inserted++;
        return tx.instances.insert(instance);
      },
      insertManyUnlessNameTaken: async (batch: Parameters<Tx['instances']['insertManyUnlessNameTaken']>[0]) => {
        const written = await tx.instances.insertManyUnlessNameTaken(batch);
        counted.inserted += written.size;
        return written;
      },
      markRunning: (ids: readonly string[], at: number) => {
        counted.started.push(...ids);
        return tx.instances.markRunning(ids, at);
      },
      markEnded: (...args: Parameters<Tx['instances']['markEnded']>) => {
        counted.ended.push(...args[0]);
        return tx.instances.markEnded(...args);
      },
    });
    return { ...tx, instances };
  };
  return {
    get dialect() {
      return store.dialect;
    },
    async transaction(work) {
      let counted: Counted = { inserted: 0, started: [], ended: [] };
      try {
        const result = await store.transaction((tx) => {
          // A transient conflict runs the work again: only the last attempt counts.
          counted = { inserted: 0, started: [], ended: [] };
          return work(counting(tx, counted));
        });
        transactions.push(counted);
        await afterCommit(counted);
        return result;
      } catch (error) {
        transactions.push(counted);
        throw error;
      }
    },
    read: (work) => store.read(work),
    readCached: (key, work, scope) => store.readCached(key, work, scope),
    untilHeardEverywhere: () => store.untilHeardEverywhere(),
    isLeader: () => store.isLeader(),
    holdsLeadership: () => store.holdsLeadership(),
    exclusively: (name, work) => store.exclusively(name, work),
    close: () => store.close(),
  };
}

/** The most any one transaction inserted, started and ended. */
export function largest(transactions: readonly Counted[]): { inserted: number; started: number; ended: number } {
  return transactions.reduce((most, counted) => ({ inserted: Math.max(most.inserted, counted.inserted), started: Math.max(most.started, counted.started.length), ended: Math.max(most.ended, counted.ended.length) }), { inserted: 0, started: 0, ended: 0 });
}
