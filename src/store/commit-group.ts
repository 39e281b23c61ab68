// Group commit for SQLite: transactions that arrive together run one after another inside one
// database transaction, each in a savepoint of its own, and are committed together. SQLite's
// commit (the WAL's frames written, then flushed to disk) is most of what a small write costs;
// a group pays it once. Nothing is answered before its group's commit is on disk
// (`afterCommit`, sqlite/wal-sync.ts), so a write answered 2xx is durable, and one whose group
// fails to commit fails. A member that fails or is refused is rolled back to its savepoint alone.

import { CompiledQuery, type ControlledTransaction, type Kysely } from 'kysely';
import { sqliteCommitGroupMembersMax } from '../domain/kernel/limits.js';
import type { Database } from './database.js';

const savepoint = CompiledQuery.raw('savepoint allot_member');
const rollbackToSavepoint = CompiledQuery.raw('rollback to savepoint allot_member');
const releaseSavepoint = CompiledQuery.raw('release savepoint allot_member');

/** What a member's work came to: kept (released into the group) or rolled back, with its value or error. */
export type MemberOutcome<T> = { readonly kept: true; readonly value: T } | { readonly kept: false; readonly value: T } | { readonly kept: false; readonly error: unknown };

export class CommitGroup {
  readonly #transaction: Promise<ControlledTransaction<Database>>;
  /** Members run one at a time, in the order they joined. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Members joined and not yet finished: the group commits once there are none. */
  #running = 0;
  #joined = 0;
  #closed = false;
  readonly #committed: Promise<void>;
  #settle!: (error: unknown) => void;

  /** `afterCommit` settles once the commit is on disk (the WAL flushed); `onClose` is told once
   * the group takes no more members (it is full or committing), and may be told twice. */
  constructor(
    db: Kysely<Database>,
    private readonly afterCommit: () => Promise<void>,
    private readonly onClose: () => void,
  ) {
    this.#transaction = db.startTransaction().execute();
    this.#committed = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Members see the outcome through `run`; this stops an unobserved rejection.
    this.#committed.catch(() => {});
    this.#transaction.catch((error: unknown) => this.#close(error));
  }

  /** Whether the group still takes members: it has not begun to commit, and has room (without
   * a bound, members arriving without pause would keep it from ever committing). */
  get open(): boolean {
    return !this.#closed && this.#joined < sqliteCommitGroupMembersMax;
  }

  /**
   * Runs `work` in a savepoint of the group's transaction, once the members before it are done.
   * `keep` says whether what it returned is kept (a refusal is rolled back like an error). Answers
   * once the group has committed, or throws what stopped it from committing.
   */
  async run<T>(work: (trx: Kysely<Database>) => Promise<T>, keep: (value: T) => boolean): Promise<MemberOutcome<T>> {
    this.#running++;
    if (++this.#joined === sqliteCommitGroupMembersMax) this.onClose();
    const outcome = new Promise<MemberOutcome<T>>((resolve) => {
      this.#tail = this.#tail.then(async () => resolve(await this.#runMember(work, keep)));
    });
    const finished = await outcome;
    this.#running--;
    if (this.#running === 0) setImmediate(() => this.#commitIfIdle());
    await this.#committed;
    return finished;
  }

  async #runMember<T>(work: (trx: Kysely<Database>) => Promise<T>, keep: (value: T) => boolean): Promise<MemberOutcome<T>> {
    let trx: ControlledTransaction<Database>;
    try {
      trx = await this.#transaction;
      await trx.executeQuery(savepoint);
    } catch (error) {
      return { kept: false, error };
    }
    let result: MemberOutcome<T>;
    try {
      const value = await work(trx);
      result = keep(value) ? { kept: true, value } : { kept: false, value };
    } catch (error) {
      result = { kept: false, error };
    }
    try {
      if (!result.kept) await trx.executeQuery(rollbackToSavepoint);
      await trx.executeQuery(releaseSavepoint);
    } catch (error) {
      // The transaction itself is gone (SQLite rolls back the whole of it on some I/O errors):
      // nothing of the group can be committed.
      this.#close(error);
      await trx.rollback().execute().catch(() => {});
    }
    return result;
  }

  /** Commits once no member runs or waits: those that join in the same turn of the event loop share the commit. */
  async #commitIfIdle(): Promise<void> {
    if (this.#running > 0 || this.#closed) return;
    this.#closed = true;
    this.onClose();
    try {
      const trx = await this.#transaction;
      try {
        await trx.commit().execute();
      } catch (error) {
        await trx.rollback().execute().catch(() => {});
        throw error;
      }
      // Committed, and seen by what runs next; answered once on disk. The connection is free
      // meanwhile, for the next group.
      await this.afterCommit();
      this.#settle(undefined);
    } catch (error) {
      this.#settle(error);
    }
  }

  #close(error: unknown): void {
    if (!this.#closed) {
      this.#closed = true;
      this.onClose();
    }
    this.#settle(error);
  }
}
