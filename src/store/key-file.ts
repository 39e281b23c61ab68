// A secret kept in a file only its owner may read (mode 0600), beside the database rather than in
// it: whoever can read the database (a backup, a replica, a read-only role) cannot read the file.
// Created atomically, so that processes starting together all end up with the first one's key.

import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class KeyFileError extends Error {}

export class KeyFile {
  constructor(readonly path: string) {}

  /** The key in the file; if there is no file, `make()`'s, written to it first. */
  readOrCreate(make: () => string): string {
    const existing = this.#read();
    if (existing !== undefined) return existing;
    mkdirSync(dirname(this.path), { recursive: true });
    // Written whole under a temporary name, then linked in place: link fails if another process
    // made the file first, and nobody ever reads a half-written key.
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${make()}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    try {
      linkSync(temporary, this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
    return this.#read()!;
  }

  #read(): string | undefined {
    let mode: number;
    try {
      mode = statSync(this.path).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if ((mode & 0o077) !== 0) {
      throw new KeyFileError(`${this.path} may be read by others (mode ${(mode & 0o777).toString(8)}): make it the owner's alone (chmod 600 ${this.path})`);
    }
    const key = readFileSync(this.path, 'utf8').trim();
    if (key === '') throw new KeyFileError(`${this.path} is empty: remove it to have a new key made`);
    return key;
  }
}
