// One real VM on a fleet host, under TCG (one boot, as test/guests/api-qemu.test.ts): `allot
// serve --driver fleet`, and `allot agent --driver qemu` registering this machine as a host of
// the SKU; an instance of the test guest image (uploaded through the images API, handed to the
// agent as a signed download) boots on it, and `ssh` with the account's key reaches the guest's
// kernel at the host's advertised address and the port its agent forwarded, checking the guest's
// real host key. Terminating the instance powers QEMU off.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type GuestImage, guestImage } from '../support/guest-image/build.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { type KeyPair, ssh, sshKeyPair } from '../guests/guest-support.js';
import { type AgentProcess, eventually, startAgentProcess } from './agent-support.js';

const operatorToken = 'allot_admin_fleet-qemu-agent-test';

describe('allot agent --driver qemu', { timeout: 600_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-agent-qemu-'));
  const stateDirectory = join(directory, 'agent');
  let image: GuestImage;
  let key: KeyPair;
  let server: ServeProcess;
  let agent: AgentProcess;
  let client: ApiClient;
  let operator: ApiClient;
  let pool: string;
  let imageId: string;
  let sku: string;

  beforeAll(async () => {
    [image, key] = await Promise.all([guestImage(), sshKeyPair()]);
    server = await startServeProcess(['--db', `sqlite:${join(directory, 'allot.db')}`, '--seed', 'none', '--driver', 'fleet', '--fleet-heartbeat', '1'], { ALLOT_ADMIN_TOKEN: operatorToken });
    operator = new ApiClient(server.baseUrl, operatorToken);
    client = new ApiClient(server.baseUrl, (await operator.post('/admin/v1/accounts', { name: 'Fleet VMs' })).body.token);
    sku = (await operator.post('/admin/v1/instance_skus', { alias: 'fleet-vm', accelerator: 'h100', num_accelerators: 8 })).body.id as string;
    pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'fleet-vms' })).body.id;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 1 }] })).status).toBe(201);
    imageId = (await client.post('/preview/v2/images', { workspace: 'default', name: 'fleet-guest' })).body.id;
    const url = (await client.post(`/preview/v2/images/${imageId}/parts`, { part_id: 1 })).body.url as string;
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(readFileSync(image.path)) })).status).toBe(200);
    expect((await client.post(`/preview/v2/images/${imageId}/complete`, { sha256: image.sha256 })).status).toBe(200);

    const hostToken = (await operator.post('/admin/v1/host_tokens', { name: 'qemu-rack' })).body.token as string;
    const configPath = join(directory, 'drivers.json');
    writeFileSync(configPath, JSON.stringify({ bootTimeoutSeconds: 300, stopGraceSeconds: 30, qemu: { accelerator: 'tcg', resources: { memoryMiBMin: 256, memoryMiBMax: 256, vcpusMax: 1 } } }));
    agent = startAgentProcess(['--server', server.baseUrl, '--token', hostToken, '--driver', 'qemu', '--driver-config', configPath, '--sku', 'fleet-vm', '--nodes', '1', '--accelerators', 'H100:8', '--address', '127.0.0.1', '--state-dir', stateDirectory, '--max-backoff', '1']);
    await agent.waitFor(/registered as new host (\S+)/);
  }, 600_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    for (const pid of processesWithMarker(`${stateDirectory}/`)) signalProcess(pid, `${stateDirectory}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it('boots the uploaded image on the host, and ssh reaches the guest at the host\'s address', async () => {
    const startedAt = Date.now();
    const userData = Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, ''].join('\n')).toString('base64');
    const created = await client.post('/preview/v2/instances', { pool, image: imageId, instance_sku: sku, name: 'fleet-vm-one', cloud_init_user_data: userData });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const details = await eventually('SSH details with host keys', async () => {
      const answer = await client.get(`/preview/v2/instances/${id}/ssh`);
      expect((await client.get(`/preview/v2/instances/${id}`)).body.status, agent.output()).toBe('running');
      return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as { hostname: string; port: number; host_keys: { key_type: string; key: string }[] }) : null;
    }, 300_000);
    // The host's advertised address, the port the agent forwarded.
    expect(details.hostname).toBe('127.0.0.1');
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    const answer = await eventually('ssh', () => ssh(details.hostname, details.port, key, 'uname -a', knownHosts).catch(() => null), 60_000);
    expect(answer).toContain(`Linux fleet-vm-one ${image.kernelRelease}`);
    process.stdout.write(`[fleet] qemu agent: instance created to ssh answered in ${Date.now() - startedAt} ms\n`);

    expect((await client.post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('QEMU to end', () => processesWithMarker(`${stateDirectory}/`).length === 0, 60_000);
  });
});
