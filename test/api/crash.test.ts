// A write answered 2xx survives `kill -9`: a stream of pool creations is cut off by SIGKILL, and
// after a restart every pool that was answered 201 is there.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';

/** Pools answered before the kill; enough that the kill lands mid-stream. */
const answeredBeforeKill = 120;
const concurrentWriters = 4;

describe.each(testDialects)('kill -9 on %s', (dialect) => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-crash-'));
  const schema = `allot_crash_${process.pid}`;
  let db = `sqlite:${join(directory, 'allot.db')}`;

  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    if (dialect === 'postgres') await dropSchema(schema);
  });

  it('keeps every pool that was answered 201', async () => {
    if (dialect === 'postgres') db = await freshSchema(schema);
    const first = await startServeProcess(['--db', db]);
    expect(first.demoToken).not.toBeNull();
    const client = new ApiClient(first.baseUrl, first.demoToken);

    const answered: string[] = [];
    let killed = false;
    let sequence = 0;
    const writer = async () => {
      while (!killed) {
        const name = `crash-${sequence++}`;
        try {
          const response = await client.post('/preview/v2/pools', { workspace: 'default', name });
          if (response.status === 201) answered.push(response.body.id);
          if (answered.length >= answeredBeforeKill && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch {
          // The connection died with the process: this request was never answered.
        }
      }
    };
    await Promise.all(Array.from({ length: concurrentWriters }, writer));
    await first.stop('SIGKILL');

    const second = await startServeProcess(['--db', db]);
    try {
      expect(second.demoToken).toBeNull();
      const after = new ApiClient(second.baseUrl, first.demoToken);
      const found = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { body: { data: { id: string }[]; cursor: string | null } } = await after.get(`/preview/v2/pools?limit=200${cursor === null ? '' : `&starting_after=${cursor}`}`);
        for (const pool of page.body.data) found.add(pool.id);
        cursor = page.body.cursor;
      } while (cursor !== null);
      const missing = answered.filter((id) => !found.has(id));
      expect(missing).toEqual([]);
      expect(found.size).toBeGreaterThanOrEqual(answered.length);
    } finally {
      await second.stop();
    }
  });
});
