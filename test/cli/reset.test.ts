// `allot serve --seed <fixtures>` and `allot reset`, as users run them: the example fixtures
// seeded at a first start and not again, a bad file named at start, the reset asking first (or
// --yes), seeding what the server started with, the demo market, or other fixtures; and, on
// PostgreSQL, a second process that sees the reset at once (no stale token or pool).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { freshSchema, dropSchema, postgresUrl } from '../support/stores.js';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));
const example = fileURLToPath(new URL('../../examples/fixtures.json', import.meta.url));
const operatorToken = 'allot_admin_reset-cli-operator';
const acmeToken = 'allot_sk_fixture-acme-token-00001';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function allot(url: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [allotBin, ...args], { env: { ...process.env, ALLOT_URL: url, ALLOT_ADMIN_TOKEN: operatorToken } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

describe('allot serve --seed and allot reset', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-reset-cli-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('seeds the example fixtures at the first start, resets to them, to the demo market, or to other fixtures', async () => {
    const db = `sqlite:${join(directory, 'fixtures.db')}`;
    const served = await startServeProcess(['--db', db, '--clock', 'manual', '--seed', example], { ALLOT_ADMIN_TOKEN: operatorToken });
    try {
      expect(served.output()).toContain('Seeded');
      expect(served.demoToken).toBeNull();
      const acme = new ApiClient(served.baseUrl, acmeToken);
      expect((await acme.get('/preview/v2/me')).body.account_id).toBe('acme');
      expect((await acme.get('/preview/v2/orders')).body.data[0]).toMatchObject({ side: 'buy', status: 'standing' });
      expect((await acme.post('/preview/v2/pools', { workspace: 'default', name: 'made-later' })).status).toBe(201);

      const unasked = await allot(served.baseUrl, ['reset']);
      expect(unasked.code).toBe(2);
      expect(unasked.stderr).toContain('--yes');
      expect((await acme.get('/preview/v2/pools/made-later')).status).toBe(200);

      // No --seed: what the server was started with, the example fixtures.
      const again = await allot(served.baseUrl, ['reset', '--yes']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/seeded:\s+fixtures/);
      expect((await acme.get('/preview/v2/pools/made-later')).status).toBe(404);
      expect((await acme.get('/preview/v2/pools/sfc:pool:acme:research:training')).status).toBe(200);

      const demo = await allot(served.baseUrl, ['--json', 'reset', '--yes', '--seed', 'demo']);
      expect(demo.code, demo.stderr).toBe(0);
      const answer = JSON.parse(demo.stdout);
      expect(answer).toMatchObject({ object: 'reset', seed: 'demo', accounts: ['provider', 'demo'] });
      expect((await new ApiClient(served.baseUrl, answer.demo_token).get('/preview/v2/me')).body.account_id).toBe('demo');
      expect((await acme.get('/preview/v2/me')).status).toBe(401);

      const bad = join(directory, 'bad.json');
      writeFileSync(bad, JSON.stringify({ accounts: [{ id: 'x', tokens: ['allot_sk_fixture-x-token-000001'] }], orders: [{ account: 'x', pool: 'missing', side: 'buy', instance_sku: 'h100-lab', start_at: 'now', end_at: '+1h', node_count: 1, limit_price_dollars_per_node_hour: '1' }] }));
      const refused = await allot(served.baseUrl, ['reset', '--yes', '--seed', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('fixtures.orders.0.pool');
      expect((await new ApiClient(served.baseUrl, answer.demo_token).get('/preview/v2/me')).status).toBe(200);
      expect((await allot(served.baseUrl, ['reset', '--yes', '--seed', join(directory, 'absent.json')])).code).toBe(2);
    } finally {
      await served.stop();
    }
    // A later start does not apply the fixtures again, and says so.
    const restarted = await startServeProcess(['--db', db, '--clock', 'manual', '--seed', example], { ALLOT_ADMIN_TOKEN: operatorToken });
    try {
      expect(restarted.output()).toContain('not applied, this database has been seeded before');
      expect((await new ApiClient(restarted.baseUrl, acmeToken).get('/preview/v2/me')).status).toBe(401);
    } finally {
      await restarted.stop();
    }
  }, 180_000);

  it('refuses to start with a bad fixtures file, naming the field', async () => {
    const bad = join(directory, 'bad-start.json');
    writeFileSync(bad, JSON.stringify({ accounts: [{ id: 'acme', credit_dollars: true }] }));
    await expect(startServeProcess(['--db', 'sqlite::memory:', '--seed', bad])).rejects.toThrow(/exited with 2[\s\S]*fixtures\.accounts\.0\.credit_dollars/);
    writeFileSync(bad, JSON.stringify({ orders: [{ account: 'nobody', pool: 'p', side: 'buy', instance_sku: 's', start_at: 'now', end_at: '+1h', node_count: 1, limit_price_dollars_per_node_hour: '1' }] }));
    await expect(startServeProcess(['--db', 'sqlite::memory:', '--seed', bad])).rejects.toThrow(/exited with 1[\s\S]*fixtures\.orders\.0\.account/);
  }, 60_000);

  it.skipIf(postgresUrl === undefined || postgresUrl === '')('is seen at once by another process on PostgreSQL', async () => {
    const schema = 'allot_reset_multi';
    const url = await freshSchema(schema);
    const first = await startServeProcess(['--db', url, '--clock', 'manual', '--seed', example], { ALLOT_ADMIN_TOKEN: operatorToken });
    const second = await startServeProcess(['--db', url, '--clock', 'manual', '--seed', example], { ALLOT_ADMIN_TOKEN: operatorToken });
    try {
      const acmeOnSecond = new ApiClient(second.baseUrl, acmeToken);
      expect((await acmeOnSecond.get('/preview/v2/me')).status).toBe(200);
      expect((await acmeOnSecond.post('/preview/v2/pools', { workspace: 'default', name: 'before-reset' })).status).toBe(201);
      const reset = await allot(first.baseUrl, ['--json', 'reset', '--yes', '--seed', 'demo']);
      expect(reset.code, reset.stderr).toBe(0);
      const demoToken = JSON.parse(reset.stdout).demo_token as string;
      expect((await acmeOnSecond.get('/preview/v2/me')).status).toBe(401);
      const demoOnSecond = new ApiClient(second.baseUrl, demoToken);
      expect((await demoOnSecond.get('/preview/v2/me')).body.account_id).toBe('demo');
      expect((await demoOnSecond.get('/preview/v2/pools')).body.data).toEqual([]);
      expect((await new ApiClient(second.baseUrl, operatorToken).get('/admin/v1/audit')).body.problems).toEqual([]);
    } finally {
      await first.stop();
      await second.stop();
      await dropSchema(schema);
    }
  }, 120_000);
});
