// The URL-signing key lives outside the database: in an owner-only file beside it, or derived
// from a secret given at start. A key an earlier version stored in the database moves to the
// file (URLs it signed stay good) and leaves the database.

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/app/kernel/context.js';
import { loadUrlSigningKey } from '../../src/app/compute/signed-urls.js';
import { KeyFile, KeyFileError } from '../../src/store/key-file.js';
import { startServeProcess } from '../support/process.js';
import { openTestStore, testDialects, type TestStore } from '../support/stores.js';

const directories: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'allot-key-'));
  directories.push(directory);
  return directory;
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe.each(testDialects)('the URL-signing key (%s)', (dialect) => {
  let testStore: TestStore;
  afterEach(() => testStore?.dispose());

  it('moves a key stored in the database to an owner-only file, and keeps it there', async () => {
    testStore = await openTestStore(dialect, 0);
    await testStore.store.transaction((tx) => tx.settings.set('url_signing_key', 'key-from-the-database'));
    const path = join(temporaryDirectory(), 'url-signing.key');
    expect(await loadUrlSigningKey(testStore.store, cryptoRandom, { file: new KeyFile(path) })).toBe('key-from-the-database');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe('key-from-the-database');
    expect(await testStore.store.read((tx) => tx.settings.get('url_signing_key'))).toBeUndefined();
    expect(await loadUrlSigningKey(testStore.store, cryptoRandom, { file: new KeyFile(path) })).toBe('key-from-the-database');
  });

  it('makes a new key in a new file, or derives one from a secret, and stores none', async () => {
    testStore = await openTestStore(dialect, 0);
    const path = join(temporaryDirectory(), 'nested', 'url-signing.key');
    const made = await loadUrlSigningKey(testStore.store, cryptoRandom, { file: new KeyFile(path) });
    expect(made.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const derived = await loadUrlSigningKey(testStore.store, cryptoRandom, { secret: 'shared secret' });
    expect(await loadUrlSigningKey(testStore.store, cryptoRandom, { secret: 'shared secret' })).toBe(derived);
    expect(await loadUrlSigningKey(testStore.store, cryptoRandom, { secret: 'another secret' })).not.toBe(derived);
    expect(derived).not.toContain('shared secret');
    expect(await testStore.store.read((tx) => tx.settings.get('url_signing_key'))).toBeUndefined();
  });
});

describe('the key file', () => {
  it('refuses a key file others may read', () => {
    const path = join(temporaryDirectory(), 'url-signing.key');
    new KeyFile(path).readOrCreate(() => 'secret-key');
    chmodSync(path, 0o644);
    expect(() => new KeyFile(path).readOrCreate(() => 'other')).toThrow(KeyFileError);
  });

  it('is made once by `allot serve`, beside the SQLite file, and kept out of the database', async () => {
    const directory = temporaryDirectory();
    const served = await startServeProcess(['--db', `sqlite:${join(directory, 'allot.db')}`, '--seed', 'none']);
    await served.stop();
    const path = join(directory, 'url-signing.key');
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const database = new BetterSqlite3(join(directory, 'allot.db'));
    try {
      expect(database.prepare("SELECT value FROM settings WHERE key = 'url_signing_key'").all()).toEqual([]);
    } finally {
      database.close();
    }
  });
});
