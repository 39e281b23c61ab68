// SQLite's commit made durable off the process's one thread. The database runs at
// synchronous=NORMAL, so a commit writes its frames to the WAL file (into the OS's page cache)
// without an fsync; this flushes the WAL file with `fdatasync` on libuv's thread pool, and
// nothing is answered until a flush begun after its commit has finished: what synchronous=FULL
// gives (SQLite's FULL is the same flush of the same file, inside the commit), without the
// thread waiting on the disk. Meanwhile it runs the next requests, whose commits share the
// next flush. SQLite itself still flushes the WAL before each checkpoint, the database file
// after it, and the WAL's header when it starts over. The flush runs on a descriptor of its own:
// on Linux, fdatasync writes out the file's pages whichever descriptor wrote them.

import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export class WalSync {
  #file: Promise<FileHandle | null> | null = null;
  /** The flush under way, and the one that will begin after it, which later commits share. */
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  /** Settles once a flush begun after this call has finished: everything committed before the
   * call is on disk. Rejects when the flush fails (the commit may be lost on a power cut). */
  afterCommit(): Promise<void> {
    if (this.#running === null) return this.#begin();
    return (this.#queued ??= this.#running.then(
      () => this.#beginQueued(),
      () => this.#beginQueued(),
    ));
  }

  /** Settles once every commit so far is on disk; null when no flush is owed. A read waits for
   * it, so that nothing is answered from a commit a power cut could still undo. */
  untilDurable(): Promise<void> | null {
    return this.#queued ?? this.#running;
  }

  /** Waits for the flushes owed and closes the descriptor. */
  async close(): Promise<void> {
    await this.untilDurable()?.catch(() => {});
    const file = this.#file;
    this.#file = null;
    if (file !== null) await (await file.catch(() => null))?.close();
  }

  #beginQueued(): Promise<void> {
    this.#queued = null;
    return this.#begin();
  }

  #begin(): Promise<void> {
    const flush: Promise<void> = this.#flush().finally(() => {
      if (this.#running === flush) this.#running = null;
    });
    this.#running = flush;
    return flush;
  }

  async #flush(): Promise<void> {
    this.#file ??= this.#openWal().catch((error: unknown) => {
      this.#file = null;
      throw error;
    });
    const file = await this.#file;
    // No WAL file yet: no commit has written a frame since the database was opened.
    if (file === null) this.#file = null;
    else await file.datasync();
  }

  /** The WAL file; its directory entry is made durable once, as SQLite does for a file it
   * creates. Null while there is none. */
  async #openWal(): Promise<FileHandle | null> {
    let file: FileHandle;
    try {
      file = await open(this.walPath, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const directory = await open(dirname(this.walPath), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      return file;
    } catch (error) {
      await file.close();
      throw error;
    }
  }
}
