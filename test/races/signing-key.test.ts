// The URL-signing key lives outside the database: in an owner-only file beside it, or derived
// from a secret given at start. A key an earlier version stored in the database moves to the
// file (URLs it signed stay good) and leaves the database.

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/app/kernel/context.js';
import { loadUrlSigningKey } from '../../src/app/compute/signed-urls.js';
import { KeyFile, KeyFileError } from '../../src/store/key-file.js';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, openTestStore, postgresUrl, testDialects, type TestStore } from '../support/stores.js';

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

describe.runIf(testDialects.includes('postgres'))('the URL-signing key of two processes over one PostgreSQL database', () => {
  const schema = `allot_signing_${process.pid}`;
  afterAll(() => dropSchema(schema));

  /** Uploads an image through `uploader`'s signed URLs sent to `other`, and downloads it from `other` by `uploader`'s URL. */
  async function uploadAcross(uploader: ApiClient, other: string, name: string): Promise<void> {
    const onOther = (url: string) => `${other}${new URL(url).pathname}${new URL(url).search}`;
    const bytes = Buffer.from(`bytes of ${name}`);
    const image = (await uploader.post('/preview/v2/images', { workspace: 'default', name })).body.id as string;
    const part = await uploader.post(`/preview/v2/images/${image}/parts`, { part_id: 1 });
    expect((await fetch(onOther(part.body.url), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) })).status).toBe(200);
    expect((await uploader.post(`/preview/v2/images/${image}/complete`, { sha256: createHash('sha256').update(bytes).digest('hex') })).status).toBe(200);
    const download = await uploader.get(`/preview/v2/images/${image}/download`);
    const fetched = await fetch(onOther(download.body.url));
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
  }

  it.each([
    ['sharing the key file beside their blobs, started at once', 'file'],
    ['given one secret', 'secret'],
  ] as const)('signs URLs each other accepts when %s, and stores no key', async (_what, source) => {
    const db = await freshSchema(schema);
    const shared = temporaryDirectory();
    const env = { ALLOT_ADMIN_TOKEN: 'allot_admin_signing-operator', ...(source === 'secret' ? { ALLOT_URL_SIGNING_SECRET: 'one secret for both' } : {}) };
    // Image bytes are shared either way (one directory both see), as an image's parts may reach either process.
    const processes = await Promise.all([0, 1].map(() => startServeProcess(['--db', db, '--seed', 'none', '--blobs', join(shared, 'blobs')], env)));
    try {
      if (source === 'file') expect(statSync(join(shared, 'url-signing.key')).mode & 0o777).toBe(0o600);
      else expect(existsSync(join(shared, 'url-signing.key'))).toBe(false);
      const operator = new ApiClient(processes[0]!.baseUrl, env.ALLOT_ADMIN_TOKEN);
      const token = (await operator.post('/admin/v1/accounts', { name: 'Uploader' })).body.token as string;
      await uploadAcross(new ApiClient(processes[0]!.baseUrl, token), processes[1]!.baseUrl, 'first-to-second');
      await uploadAcross(new ApiClient(processes[1]!.baseUrl, token), processes[0]!.baseUrl, 'second-to-first');
      const reader = new pg.Client({ connectionString: postgresUrl });
      await reader.connect();
      try {
        expect((await reader.query(`SELECT value FROM "${schema}".settings WHERE key = 'url_signing_key'`)).rows).toEqual([]);
      } finally {
        await reader.end();
      }
    } finally {
      await Promise.all(processes.map((child) => child.stop()));
    }
  }, 120_000);
});
