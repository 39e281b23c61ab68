// One real VM through the API, under TCG (slow, so one boot; TCG also where a KVM is present but
// cannot run this guest, as in some nested setups): `allot serve --driver qemu` boots the
// test guest image uploaded through the images API (in two parts, put together as one file to
// boot from); the user data's marker shows in the logs, `ssh` with the account's key on the port
// /ssh names reaches the guest's kernel and checks its real host key, and terminate powers QEMU
// off. Then the same image with its bytes changed on disk fails the next instance without
// booting, with both hashes in its log; a catalogue image the operator registered no file for
// fails its instance with the reason.

import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type GuestImage, guestImage } from '../support/guest-image/build.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { type KeyPair, ssh, sshKeyPair } from './guest-support.js';

const operatorToken = 'allot_admin_guests-qemu-api-test';

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMillis: number): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('allot serve --driver qemu', { timeout: 600_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-guests-qemu-api-'));
  const guestsDirectory = join(directory, 'guests');
  let image: GuestImage;
  let key: KeyPair;
  let server: ServeProcess;
  let client: ApiClient;
  let pool: string;
  let sku: string;
  let imageId: string;
  let operator: ApiClient;

  const logText = async (id: string) => ((await client.get(`/preview/v2/instances/${id}/logs?limit=2500`)).body.data as { data: string }[]).map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('');
  const status = async (id: string) => (await client.get(`/preview/v2/instances/${id}`)).body.status as string;
  const userData = (marker: string) => Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, 'runcmd:', `  - echo "${marker} from $(hostname)"`, ''].join('\n')).toString('base64');
  const create = async (name: string, imageReference: string) => {
    const created = await client.post('/preview/v2/instances', { pool, image: imageReference, instance_sku: sku, name, cloud_init_user_data: userData('QEMU-API-MARKER') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };

  beforeAll(async () => {
    [image, key] = await Promise.all([guestImage(), sshKeyPair()]);
    const configPath = join(directory, 'drivers.json');
    writeFileSync(configPath, JSON.stringify({ stateDirectory: guestsDirectory, bootTimeoutSeconds: 300, stopGraceSeconds: 30, qemu: { accelerator: 'tcg', resources: { memoryMiBMin: 256, memoryMiBMax: 256, vcpusMax: 1 } } }));
    server = await startServeProcess(['--db', `sqlite:${join(directory, 'allot.db')}`, '--seed', 'none', '--driver', 'qemu', '--driver-config', configPath], { ALLOT_ADMIN_TOKEN: operatorToken });
    operator = new ApiClient(server.baseUrl, operatorToken);
    client = new ApiClient(server.baseUrl, (await operator.post('/admin/v1/accounts', { name: 'VMs' })).body.token);
    sku = (await operator.post('/admin/v1/instance_skus', { alias: 'vm-sku', accelerator: 'h100', num_accelerators: 8 })).body.id;
    pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'vms' })).body.id;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 4 }] })).status).toBe(201);

    const bytes = readFileSync(image.path);
    imageId = (await client.post('/preview/v2/images', { workspace: 'default', name: 'test-guest' })).body.id;
    const half = Math.ceil(bytes.length / 2);
    for (const [index, part] of [bytes.subarray(0, half), bytes.subarray(half)].entries()) {
      const url = (await client.post(`/preview/v2/images/${imageId}/parts`, { part_id: index + 1 })).body.url as string;
      expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(part) })).status).toBe(200);
    }
    expect((await client.post(`/preview/v2/images/${imageId}/complete`, { sha256: image.sha256 })).status).toBe(200);
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    for (const pid of processesWithMarker(`${guestsDirectory}/`)) signalProcess(pid, `${guestsDirectory}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it('boots the uploaded image, answers ssh with the guest kernel and its host key, and terminate powers it off', async () => {
    const startedAt = Date.now();
    const id = await create('vm-one', imageId);
    const details = await eventually(
      'SSH details',
      async () => {
        const answer = await client.get(`/preview/v2/instances/${id}/ssh`);
        expect(await status(id), await logText(id)).toBe('running');
        return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as { hostname: string; port: number; host_keys: { key_type: string; key: string }[] }) : null;
      },
      300_000,
    );
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    const answer = await eventually('ssh', () => ssh(details.hostname, details.port, key, 'uname -a', knownHosts).catch(() => null), 60_000);
    expect(answer).toContain(`Linux vm-one ${image.kernelRelease}`);
    process.stdout.write(`[guests] qemu: instance created to ssh answered in ${Date.now() - startedAt} ms\n`);
    await eventually('the marker in the logs', async () => (await logText(id)).includes('QEMU-API-MARKER from vm-one'), 60_000);

    const marker = `${guestsDirectory}/qemu/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    expect((await client.post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('QEMU to end', async () => processesWithMarker(marker).length === 0, 60_000);
    await eventually('the stop in the log', async () => (await logText(id)).includes('allot: the guest was stopped'), 30_000);
  });

  it('powers the VM off when its allocation ends', async () => {
    const id = await create('vm-retired', imageId);
    await eventually(
      'SSH details',
      async () => {
        const answer = await client.get(`/preview/v2/instances/${id}/ssh`);
        return answer.status === 200 && answer.body.host_keys.length > 0;
      },
      300_000,
    );
    const marker = `${guestsDirectory}/qemu/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    // The operator retires the pool's allocation from this minute on: the reconciler ends the
    // instance in that transaction, as at a schedule boundary, and the worker powers its VM off.
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const retired = await operator.post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 4 }] });
    expect(retired.status, JSON.stringify(retired.body)).toBe(201);
    expect(await status(id)).toBe('terminated');
    await eventually('QEMU to end', async () => processesWithMarker(marker).length === 0, 60_000);
    const log = await logText(id);
    expect(log).toContain('allot: the guest was stopped');
    expect(log).not.toContain('did not power off');
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 4 }] })).status).toBe(201);
  });

  it('fails an instance whose image bytes no longer match their SHA-256, and one whose catalogue image has no file', async () => {
    appendFileSync(join(guestsDirectory, 'images', `${imageId}.img`), 'changed on disk');
    const id = await create('vm-tampered', imageId);
    await eventually('the tampered instance to fail', async () => (await status(id)) === 'failed', 60_000);
    expect(await logText(id)).toContain(image.sha256);

    const catalogue = await create('vm-catalogue', 'ubuntu-22.04-cuda-12.4');
    await eventually('the catalogue instance to fail', async () => (await status(catalogue)) === 'failed', 60_000);
    expect(await logText(catalogue)).toContain('allot: no file boots the catalogue image "ubuntu-22.04-cuda-12.4"');
  });

  it('deletes the file the uploaded image was joined into once the image is deleted and no guest uses it', async () => {
    const joined = join(guestsDirectory, 'images', `${imageId}.img`);
    expect(existsSync(joined)).toBe(true);
    // Every instance booted from it has ended; the file stays for as long as the image does.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(existsSync(joined)).toBe(true);
    const deleted = await client.delete(`/preview/v2/images/${imageId}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    await eventually('the joined file to go', async () => !existsSync(joined), 30_000);
  });
});
