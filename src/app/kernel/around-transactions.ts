// A Store whose every transaction runs through `around` — the verify switch's audit
// (app/operator/verify.ts), or a test counting what each transaction does — and is otherwise
// the store it wraps.

import type { Store, Tx } from '../../store/store.js';

export function aroundTransactions(store: Store, around: <T>(tx: Tx, work: (tx: Tx) => Promise<T>) => Promise<T>): Store {
  return {
    get dialect() {
      return store.dialect;
    },
    transaction: (work) => store.transaction((tx) => around(tx, work)),
    read: (work) => store.read(work),
    readCached: (key, work, scope) => store.readCached(key, work, scope),
    untilHeardEverywhere: () => store.untilHeardEverywhere(),
    isLeader: () => store.isLeader(),
    holdsLeadership: () => store.holdsLeadership(),
    exclusively: (name, work) => store.exclusively(name, work),
    close: () => store.close(),
  };
}
