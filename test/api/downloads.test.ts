// Signed image downloads on a kept-alive connection: the client may have every byte before the
// server has ended the streamed answer; a close begun then must not wait for the connection's
// keep-alive timeout (it once did, until the test hook timed out). See closeConnectionsAnsweredWhileClosing
// in src/http/edge.ts.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('image downloads on %s', (dialect) => {
  it('a download just answered on a kept-alive connection does not hold the server\'s close', async () => {
    const server = await startTestServer(dialect);
    let closed = false;
    try {
      const account = await server.newAccount();
      const parts = [Buffer.alloc(200_000, 3), Buffer.from('tail')];
      const created = await account.post('/preview/v2/images', { workspace: 'default', name: 'kept-alive' });
      for (const [index, bytes] of parts.entries()) {
        const part = await account.post(`/preview/v2/images/${created.body.id}/parts`, { part_id: index + 1 });
        const put = await fetch(part.body.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
        await put.arrayBuffer();
      }
      const whole = Buffer.concat(parts);
      const sha256 = createHash('sha256').update(whole).digest('hex');
      expect((await account.post(`/preview/v2/images/${created.body.id}/complete`, { sha256 })).status).toBe(200);
      const download = await account.get(`/preview/v2/images/${created.body.id}/download`);
      for (let round = 0; round < 2; round++) {
        const fetched = await fetch(download.body.url);
        expect(fetched.status).toBe(200);
        expect(Buffer.from(await fetched.arrayBuffer()).equals(whole)).toBe(true);
      }
      const started = Date.now();
      await server.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      if (!closed) await server.close();
    }
  }, 20_000);
});
