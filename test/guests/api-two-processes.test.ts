// Two allot processes running real guests (the sandbox driver) over one PostgreSQL database, on
// one host: only the leader's worker runs guests — the other process would kill itself if it ever
// started one (ALLOT_GUESTS_CRASH_AFTER=launch) — while the other answers their logs and SSH from
// the guests' directories, with the same seqnums and host keys; when the leader dies, the other
// takes over the running guest and stops it when its instance is terminated.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';
import { ssh, sshKeyPair } from './guest-support.js';

const operatorToken = 'allot_admin_guests-two-processes';

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMillis = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.runIf(testDialects.includes('postgres'))('two allot processes running sandboxes over one PostgreSQL database', { timeout: 240_000 }, () => {
  const schema = `allot_guests_two_${process.pid}`;
  const directory = mkdtempSync(join(tmpdir(), 'allot-guests-two-'));
  const guestsDirectory = join(directory, 'guests');
  const servers: ServeProcess[] = [];

  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    for (const pid of processesWithMarker(`${guestsDirectory}/`)) signalProcess(pid, `${guestsDirectory}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('runs guests in the leader only; the other answers logs and SSH, and takes over when the leader dies', async () => {
    const db = await freshSchema(schema);
    const configPath = join(directory, 'drivers.json');
    writeFileSync(configPath, JSON.stringify({ stateDirectory: guestsDirectory, bootTimeoutSeconds: 60, stopGraceSeconds: 5 }));
    const args = ['--db', db, '--seed', 'none', '--driver', 'sandbox', '--driver-config', configPath];
    const leader = await startServeProcess(args, { ALLOT_ADMIN_TOKEN: operatorToken });
    servers.push(leader);
    const other = await startServeProcess(args, { ALLOT_ADMIN_TOKEN: operatorToken, ALLOT_GUESTS_CRASH_AFTER: 'launch' });
    servers.push(other);

    const key = await sshKeyPair();
    const operator = new ApiClient(other.baseUrl, operatorToken);
    const token = (await operator.post('/admin/v1/accounts', { name: 'Two' })).body.token as string;
    const viaOther = new ApiClient(other.baseUrl, token);
    const viaLeader = new ApiClient(leader.baseUrl, token);
    const sku = (await operator.post('/admin/v1/instance_skus', { alias: 'two-sku', accelerator: 'h100', num_accelerators: 8 })).body.id as string;
    const pool = (await viaOther.post('/preview/v2/pools', { workspace: 'default', name: 'two' })).body.id as string;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 2 }] })).status).toBe(201);
    const userData = Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, 'runcmd:', '  - echo "TWO-MARKER from $(hostname)"', ''].join('\n')).toString('base64');
    const created = await viaOther.post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name: 'shared', cloud_init_user_data: userData });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    type Ssh = { hostname: string; port: number; host_keys: { key_type: string; key: string }[] };
    const details = await eventually('SSH details from the other process', async () => {
      const answer = await viaOther.get(`/preview/v2/instances/${id}/ssh`);
      return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as Ssh) : null;
    });
    expect((await viaLeader.get(`/preview/v2/instances/${id}/ssh`)).body).toMatchObject({ hostname: details.hostname, port: details.port, host_keys: details.host_keys });
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh(details.hostname, details.port, key, 'hostname', knownHosts)).trim()).toBe('shared');

    type Line = { seqnum: number; data: string };
    const lines = async (client: ApiClient) => (await client.get(`/preview/v2/instances/${id}/logs?limit=2500`)).body.data as Line[];
    const text = (data: Line[]) => data.map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('');
    const fromOther = await eventually('the marker in the other process\'s logs', async () => {
      const data = await lines(viaOther);
      return text(data).includes('TWO-MARKER from shared') ? data : null;
    });
    const fromLeader = await lines(viaLeader);
    expect(fromOther.map((line) => [line.seqnum, line.data])).toEqual(fromLeader.slice(0, fromOther.length).map((line) => [line.seqnum, line.data]));
    // The other process never started a guest: it would have killed itself.
    expect(other.child.exitCode === null && other.child.signalCode === null).toBe(true);

    // The leader dies; the other leads, adopts the guest, and stops it when the instance ends.
    await leader.stop('SIGKILL');
    const marker = `${guestsDirectory}/sandbox/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    expect((await viaOther.post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('the sandbox to end', async () => processesWithMarker(marker).length === 0, 60_000);
    await eventually('the stop in the log', async () => text(await lines(viaOther)).includes('allot: the guest was stopped'), 30_000);
    expect(other.child.exitCode === null && other.child.signalCode === null, other.output()).toBe(true);
  });
});
