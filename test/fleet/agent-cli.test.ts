// The operator's fleet commands as subprocesses against a real `allot serve --driver fleet`:
// `allot host-tokens create|ls|revoke` and `allot hosts ls|get|cordon|uncordon|drain|rm`, with a
// host registered over the agent API, tables by default, --json for scripts, and the exit codes
// docs/cli.md promises.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../support/process.js';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));
const operatorToken = 'allot_admin_agent-cli-test';

function allot(server: ServeProcess, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [allotBin, ...args], { env: { ...process.env, ALLOT_URL: server.baseUrl, ALLOT_ADMIN_TOKEN: operatorToken } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr });
    });
  });
}

describe('allot hosts and allot host-tokens', { timeout: 180_000 }, () => {
  let server: ServeProcess;
  const ok = async (...args: string[]) => {
    const run = await allot(server, args);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    return run.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await ok('--json', ...args));

  beforeAll(async () => {
    server = await startServeProcess(['--db', 'sqlite::memory:', '--clock', 'manual', '--seed', 'none', '--driver', 'fleet'], { ALLOT_ADMIN_TOKEN: operatorToken });
    const sku = await fetch(`${server.baseUrl}/admin/v1/instance_skus`, { method: 'POST', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ alias: 'cli-sku' }) });
    expect(sku.status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('makes a host token once, lists hosts registered with it, cordons, drains and removes them, and revokes the token', async () => {
    const created = await json('host-tokens', 'create', 'rack-1');
    expect(created).toMatchObject({ object: 'host_token', name: 'rack-1' });
    expect(created.token).toMatch(/^allot_host_/);
    expect(await ok('host-tokens', 'create', 'rack-2')).toMatch(/token:\s+allot_host_/);
    const listed = await ok('host-tokens', 'ls');
    expect(listed).toContain('rack-1');
    expect(listed).not.toContain(created.token);

    const registered = await fetch(`${server.baseUrl}/agent/v1/hosts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host_id: null, hostname: 'gpu-01', address: '203.0.113.7', instance_sku: 'cli-sku', node_count: 8, accelerators: [{ model: 'H100', count: 8 }], cpus: 192, memory_bytes: 2 ** 40, disk_bytes: 2 ** 43, driver: 'qemu' }),
    });
    expect(registered.status).toBe(200);
    const hostId = ((await registered.json()) as { host_id: string }).host_id;

    const table = await ok('hosts', 'ls');
    expect(table).toContain(hostId);
    expect(table).toContain('gpu-01');
    expect(table).toContain('ready');
    const shown = await ok('hosts', 'get', hostId);
    expect(shown).toMatch(/accelerators:\s+H100×8/);
    expect(shown).toContain('instances: none');

    expect((await json('hosts', 'cordon', hostId)).status).toBe('cordoned');
    expect((await json('hosts', 'uncordon', hostId)).status).toBe('ready');
    const drained = await json('hosts', 'drain', hostId, '--start', 'in 1h', '--end', 'in 3h');
    expect(drained.status).toBe('draining');
    expect(drained.maintenance.end_at - drained.maintenance.start_at).toBe(7200);
    expect((await allot(server, ['hosts', 'drain', hostId, '--start', 'in 2h', '--end', 'in 1h'])).code).toBe(2);
    expect((await json('hosts', 'uncordon', hostId)).maintenance).toBeNull();

    expect((await allot(server, ['hosts', 'get', 'host_nope'])).code).toBe(5);
    expect(await ok('hosts', 'rm', hostId)).toMatch(/status:\s+removed/);
    expect(await ok('hosts', 'ls')).not.toContain(hostId);

    const revoked = await json('host-tokens', 'revoke', created.id);
    expect(revoked.revoked_at).not.toBeNull();
    const refused = await fetch(`${server.baseUrl}/agent/v1/hosts`, { method: 'POST', headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ host_id: null, hostname: 'gpu-02', address: '203.0.113.8', instance_sku: 'cli-sku', node_count: 1, accelerators: [], cpus: 1, memory_bytes: 1, disk_bytes: 1, driver: 'qemu' }) });
    expect(refused.status).toBe(401);
    // An operator command without the operator token.
    const run = await new Promise<number>((resolve) => execFile(process.execPath, [allotBin, 'hosts', 'ls'], { env: { ...process.env, ALLOT_URL: server.baseUrl, ALLOT_ADMIN_TOKEN: '' } }, (error) => resolve(error === null ? 0 : ((error as { code?: number }).code ?? 1))));
    expect(run).toBe(4);
  });
});
