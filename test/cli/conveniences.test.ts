// The conveniences of a local cloud, through `allot serve` as users start it: a fixed demo
// token, seeding only once the server listens, the demo market rolling forward with the clock,
// and the Date header telling allot's time.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';

const day = 86_400;
const operatorToken = 'allot_admin_conveniences-operator';

/** Where the demo provider's asks for the richmond H100 end: the supply on offer runs to there. */
async function asksEnd(client: ApiClient): Promise<number> {
  const availability = await client.get('/preview/v2/instance_skus/availability?accelerator=h100&availability_zone=richmond');
  const schedule = availability.body.data[0].schedule as { start_at: number; node_count: number }[];
  return schedule.find((entry, index) => index > 0 && entry.node_count === 0)!.start_at;
}

describe('allot serve conveniences', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-conveniences-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('takes a fixed demo token, at the first start and at a later one', async () => {
    const db = `sqlite:${join(directory, 'fixed.db')}`;
    const fixed = 'allot_sk_ci-demo-token-0001';
    const first = await startServeProcess(['--db', db, '--clock', 'manual'], { ALLOT_DEMO_TOKEN: fixed });
    try {
      expect(first.demoToken).toBe(fixed);
      expect((await new ApiClient(first.baseUrl, fixed).get('/preview/v2/me')).body.account_id).toBe('demo');
    } finally {
      await first.stop();
    }
    const second = await startServeProcess(['--db', db, '--clock', 'manual', '--demo-token', 'allot_sk_another-fixed-token']);
    try {
      expect(second.demoToken).toBe('allot_sk_another-fixed-token');
      for (const token of [fixed, 'allot_sk_another-fixed-token']) expect((await new ApiClient(second.baseUrl, token).get('/preview/v2/me')).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('seeds nothing when the first start cannot listen, and prints the operator token it made', async () => {
    const taken: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (taken.address() as { port: number }).port;
    const db = `sqlite:${join(directory, 'port-taken.db')}`;
    try {
      await expect(startServeProcess(['--db', db, '--port', String(port)])).rejects.toThrow(/cannot listen[\s\S]*Operator token of/);
    } finally {
      taken.close();
    }
    const retried = await startServeProcess(['--db', db]);
    try {
      // This start seeds, and prints the demo token, since the first seeded nothing; the
      // operator token was the first start's, printed when it failed.
      expect(retried.demoToken).toMatch(/^allot_sk_/);
      expect(retried.output()).toContain('Operator token: printed at this database\'s first start');
    } finally {
      await retried.stop();
    }
  });

  it('rolls the demo supply forward as the manual clock advances, and its Date header follows the clock', async () => {
    const served = await startServeProcess(['--db', 'sqlite::memory:', '--clock', 'manual'], { ALLOT_ADMIN_TOKEN: operatorToken });
    try {
      const demo = new ApiClient(served.baseUrl, served.demoToken);
      const operator = new ApiClient(served.baseUrl, operatorToken);
      const start = (await operator.get('/admin/v1/clock')).body.now as number;
      expect(await asksEnd(demo)).toBeGreaterThanOrEqual(start + 14 * day);
      const advanced = await operator.post('/admin/v1/clock/advance', { seconds: 20 * day });
      const now = advanced.body.now as number;
      expect(now).toBe(start + 20 * day);
      expect(await asksEnd(demo)).toBeGreaterThanOrEqual(now + 14 * day);
      // And the demo account can buy tomorrow, three weeks after the first start.
      const pool = await demo.post('/preview/v2/pools', { workspace: 'default', name: 'later' });
      const preview = await demo.post('/preview/v2/order_preview', { side: 'buy', requirements: { accelerator: ['H100'] }, start_at: Math.floor(now / 60) * 60 + 13 * day, duration_seconds: 3600, node_count: 1, pool: pool.body.id });
      expect(preview.body.type).toBe('quoted');
      const response = await fetch(`${served.baseUrl}/admin/v1/clock`);
      expect(Date.parse(response.headers.get('date')!) / 1000).toBe(now);
    } finally {
      await served.stop();
    }
  });

  it('refuses a demo token too short to be a secret', async () => {
    await expect(startServeProcess(['--db', 'sqlite::memory:', '--demo-token', 'short'])).rejects.toThrow(/--demo-token/);
  });
});
