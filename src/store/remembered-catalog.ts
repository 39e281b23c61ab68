// The rows that name things, remembered between transactions where this process is the only
// writer (SQLite): pools (with their workspace's name) and instance SKUs. Every pool transfer
// reads its two pools and its SKU, and these are written rarely; read from SQLite they were a
// third of a transfer's statements' time. On PostgreSQL other processes write them too, and a
// transfer's read of its pools is also their lock, so nothing is remembered there.
//
// A remembered row is what the database holds once every write begun so far has ended, and
// nothing else. Every write of these tables, a reset too, tells the catalog when it begins
// (`writeBegins`, before the statement) and again once its transaction has ended, committed or
// not (`writeEnded`; with SQLite's group commit, once the group's commit has succeeded or failed):
// both forget everything. While any such write is under way nothing is served or remembered, as
// a member of the same commit group would see the write before it is committed, and the group's
// commit may still fail. A row read before a write began and remembered after it ended is not
// kept either: the count of writes begun tells them apart.

import { rememberedCatalogRowsMax } from '../domain/kernel/limits.js';

/** What a transaction tells the store (KyselyStore) before it first writes them, so that what the
 * store remembers of them is forgotten: tokens (`readCached`'s 'tokens' scope) or the catalog's rows. */
export type WrittenRows = 'tokens' | 'catalog';

export class RememberedCatalog {
  readonly #rows = new Map<string, unknown>();
  /** Writes begun and not yet ended: while any is, nothing is served or remembered. */
  #writesUnderWay = 0;
  /** Writes begun, ever. A read remembers what it found only if none began while it ran. */
  #writesBegun = 0;

  /** The mark a read takes before it asks the database, for `remember`: none (-1) while a write
   * is under way, else the count of writes begun, which any write begun since moves. */
  get mark(): number {
    return this.#writesUnderWay === 0 ? this.#writesBegun : -1;
  }

  get<T>(key: string): T | undefined {
    return this.#writesUnderWay === 0 ? (this.#rows.get(key) as T | undefined) : undefined;
  }

  /** Remembers `value` as read since `mark`, unless a write has begun since. */
  remember(mark: number, key: string, value: unknown): void {
    if (mark !== this.#writesBegun) return;
    if (this.#rows.size >= rememberedCatalogRowsMax) this.#rows.delete(this.#rows.keys().next().value!);
    this.#rows.set(key, deepFreeze(value));
  }

  /** A transaction is about to write these tables for the first time. */
  writeBegins(): void {
    this.#writesUnderWay++;
    this.#writesBegun++;
    this.#rows.clear();
  }

  /** A transaction that wrote them has ended, its commit done or failed. */
  writeEnded(): void {
    this.#writesUnderWay--;
    this.#rows.clear();
  }
}

/** Freezes a value and what it holds, so that a caller who shares a remembered read cannot change
 * it for the others. Typed arrays cannot be frozen; the schedules that hold them are. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
