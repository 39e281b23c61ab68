// Real VMs through the API, under TCG (slow, so two boots per store; TCG also where a KVM is
// present but cannot run this guest, as in some nested setups), on each test store:
// `allot serve --driver qemu` boots the test guest image uploaded through the images API (in two
// parts, put together as one file to boot from); the user data's marker shows in the logs, `ssh`
// with the account's key on the port /ssh names reaches the guest's kernel and checks its real
// host key, the NoCloud volume the guest mounted names the instance's id and name, and terminate
// powers QEMU off. A public catalogue image boots the file the operator registered for it (the
// same guest as a qcow2 made with qemu-img), and the end of its allocation powers it off. Then
// the uploaded image with its bytes changed on disk fails the next instance without booting,
// with both hashes in its log; a catalogue image the operator registered no file for fails its
// instance with the reason.

import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { publicImages } from '../../src/app/compute/images.js';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type GuestImage, guestImage } from '../support/guest-image/build.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';
import { type KeyPair, ssh, sshKeyPair } from './guest-support.js';

const run = promisify(execFile);
const operatorToken = 'allot_admin_guests-qemu-api-test';
/** The catalogue image the operator registers a file for, and one it registers none for. */
const [registeredCatalogueImage, unregisteredCatalogueImage] = publicImages.map((image) => image.name);

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMillis: number): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface SshDetails {
  hostname: string;
  port: number;
  host_keys: { key_type: string; key: string }[];
}

describe.each(testDialects)('allot serve --driver qemu on %s', { timeout: 600_000 }, (dialect) => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-guests-qemu-api-'));
  const guestsDirectory = join(directory, 'guests');
  const schema = `allot_guests_qemu_${process.pid}`;
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
  const create = async (name: string, imageReference: string, marker = 'QEMU-API-MARKER') => {
    const created = await client.post('/preview/v2/instances', { pool, image: imageReference, instance_sku: sku, name, cloud_init_user_data: userData(marker) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };
  /** The SSH details once the guest's host keys are known; the instance must stay running meanwhile. */
  const sshDetails = (id: string) =>
    eventually(
      `SSH details of ${id}`,
      async () => {
        const answer = await client.get(`/preview/v2/instances/${id}/ssh`);
        expect(await status(id), await logText(id)).toBe('running');
        return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as SshDetails) : null;
      },
      300_000,
    );
  /** Runs `command` in the guest, checking the host key /ssh reported (retried while its SSH server starts). */
  const sshChecked = (details: SshDetails, command: string) => {
    const knownHosts = join(directory, `known_hosts_${details.port}`);
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    return eventually('ssh', () => ssh(details.hostname, details.port, key, command, knownHosts).catch(() => null), 60_000);
  };

  beforeAll(async () => {
    [image, key] = await Promise.all([guestImage(), sshKeyPair()]);
    // The operator's file for a catalogue image: the test guest again, as qcow2, so that the
    // catalogue path boots a format the upload does not.
    const catalogueFile = join(directory, 'catalogue-guest.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', image.path, catalogueFile]);
    const configPath = join(directory, 'drivers.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        stateDirectory: guestsDirectory,
        bootTimeoutSeconds: 300,
        stopGraceSeconds: 30,
        qemu: { accelerator: 'tcg', resources: { memoryMiBMin: 256, memoryMiBMax: 256, vcpusMax: 1 } },
        images: { [registeredCatalogueImage!]: catalogueFile },
      }),
    );
    const db = dialect === 'sqlite' ? `sqlite:${join(directory, 'allot.db')}` : await freshSchema(schema);
    server = await startServeProcess(['--db', db, '--seed', 'none', '--driver', 'qemu', '--driver-config', configPath], { ALLOT_ADMIN_TOKEN: operatorToken });
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
    if (dialect === 'postgres') await dropSchema(schema);
  });

  it('boots the uploaded image, answers ssh with the guest kernel and its host key, hands it its id and name on the NoCloud volume, and terminate powers it off', async () => {
    const startedAt = Date.now();
    const id = await create('vm-one', imageId);
    const details = await sshDetails(id);
    expect(await sshChecked(details, 'uname -a')).toContain(`Linux vm-one ${image.kernelRelease}`);
    process.stdout.write(`[guests] qemu on ${dialect}: instance created to ssh answered in ${Date.now() - startedAt} ms\n`);
    // Inside the guest: the cidata volume its init mounted, and the hostname it set from it.
    const [hostname, ...metaDataLines] = (await sshChecked(details, 'hostname; cat /run/cloud-init/seed/meta-data')).split('\n');
    expect(hostname).toBe('vm-one');
    expect(parse(metaDataLines.join('\n'))).toMatchObject({ 'instance-id': id, 'local-hostname': 'vm-one' });
    await eventually('the marker in the logs', async () => (await logText(id)).includes('QEMU-API-MARKER from vm-one'), 60_000);
    expect(await logText(id)).toContain(`allot-guest: instance ${id}, hostname vm-one`);

    const marker = `${guestsDirectory}/qemu/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    expect((await client.post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('QEMU to end', async () => processesWithMarker(marker).length === 0, 60_000);
    await eventually('the stop in the log', async () => (await logText(id)).includes('allot: the guest was stopped'), 30_000);
  });

  it('boots a catalogue image from the file the operator registered, and powers it off when its allocation ends', async () => {
    const id = await create('vm-catalogue', registeredCatalogueImage!, 'CATALOGUE-MARKER');
    const details = await sshDetails(id);
    expect((await sshChecked(details, 'uname -r; hostname')).split('\n').slice(0, 2)).toEqual([image.kernelRelease, 'vm-catalogue']);
    await eventually('the marker in the logs', async () => (await logText(id)).includes('CATALOGUE-MARKER from vm-catalogue'), 60_000);
    const marker = `${guestsDirectory}/qemu/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    // The operator retires the pool's allocation from this minute on: the reconciler ends the
    // instance in that transaction, as at a schedule boundary, and the worker powers its VM off.
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const retired = await operator.post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 4 }] });
    expect(retired.status, JSON.stringify(retired.body)).toBe(201);
    try {
      expect(await status(id)).toBe('terminated');
      await eventually('QEMU to end', async () => processesWithMarker(marker).length === 0, 60_000);
      // The worker writes its line once it has seen QEMU end, which on a loaded machine may be a moment after.
      await eventually('the stop in the log', async () => (await logText(id)).includes('allot: the guest was stopped'), 30_000);
      expect(await logText(id)).not.toContain('did not power off');
    } finally {
      // The pool's capacity back for the next tests, from the minute it is now (the retirement's may have passed).
      const reissued = await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: Math.floor(Date.now() / 60_000) * 60, end_at: null, node_count: 4 }] });
      expect(reissued.status, JSON.stringify(reissued.body)).toBe(201);
    }
  });

  it('fails an instance whose image bytes no longer match their SHA-256, and one whose catalogue image has no file', async () => {
    appendFileSync(join(guestsDirectory, 'images', `${imageId}.img`), 'changed on disk');
    const id = await create('vm-tampered', imageId);
    await eventually('the tampered instance to fail', async () => (await status(id)) === 'failed', 60_000);
    expect(await logText(id)).toContain(image.sha256);

    const catalogue = await create('vm-no-file', unregisteredCatalogueImage!);
    await eventually('the catalogue instance to fail', async () => (await status(catalogue)) === 'failed', 60_000);
    expect(await logText(catalogue)).toContain(`allot: no file boots the catalogue image "${unregisteredCatalogueImage}"`);
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
