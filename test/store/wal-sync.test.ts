// SQLite's commits made durable off the thread (store/sqlite/wal-sync.ts): nothing is answered,
// write or read, before the WAL flush begun after its commit has finished, and commits made
// while a flush is under way share the next one.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WalSync } from '../../src/store/sqlite/wal-sync.js';
import { openStore } from '../../src/store/open-store.js';

const directory = mkdtempSync(join(tmpdir(), 'allot-wal-sync-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Every FileHandle's `datasync`, slowed and recorded, so that the test can see what waits for it. */
async function watchFlushes(events: string[], delayMs: number): Promise<() => void> {
  const probe: FileHandle = await open(join(directory, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as { datasync: FileHandle['datasync'] };
  await probe.close();
  const original = prototype.datasync;
  prototype.datasync = async function (this: FileHandle) {
    events.push('flush begins');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await original.call(this);
    events.push('flush ends');
  };
  return () => {
    prototype.datasync = original;
  };
}

describe('WalSync', () => {
  let restore = () => {};
  afterEach(() => restore());

  it('owes nothing when idle, and shares one flush among the commits made during another', async () => {
    const path = join(directory, 'shared-wal');
    writeFileSync(path, 'frames');
    const events: string[] = [];
    restore = await watchFlushes(events, 20);
    const sync = new WalSync(path);
    expect(sync.untilDurable()).toBeNull();
    const first = sync.afterCommit();
    const second = sync.afterCommit();
    const third = sync.afterCommit();
    expect(third).toBe(second);
    expect(sync.untilDurable()).toBe(second);
    await Promise.all([first, second, third]);
    expect(events).toEqual(['flush begins', 'flush ends', 'flush begins', 'flush ends']);
    expect(sync.untilDurable()).toBeNull();
    await sync.close();
  });

  it('has nothing to flush before the WAL file exists', async () => {
    const sync = new WalSync(join(directory, 'absent-wal'));
    await expect(sync.afterCommit()).resolves.toBeUndefined();
    await sync.close();
  });
});

describe('a SQLite file store', () => {
  let restore = () => {};
  afterEach(() => restore());

  it('answers a write, and a read of it, only once the WAL is flushed', async () => {
    const store = await openStore(`sqlite:${join(directory, 'allot.db')}`, 1000);
    try {
      const events: string[] = [];
      restore = await watchFlushes(events, 50);
      const write = store.transaction(async (tx) => {
        await tx.settings.set('durable', 'yes');
        return 'written';
      });
      // Queued behind the write on the one connection: it runs after the commit, during the flush.
      const read = store.read((tx) => tx.settings.get('durable'));
      const answered = [write.then((value) => events.push(`write answered: ${value}`)), read.then((value) => events.push(`read answered: ${value}`))];
      await Promise.all(answered);
      expect(events[0]).toBe('flush begins');
      expect(events.indexOf('flush ends')).toBeLessThan(events.indexOf('write answered: written'));
      expect(events.indexOf('flush ends')).toBeLessThan(events.indexOf('read answered: yes'));
    } finally {
      await store.close();
    }
  });
});
