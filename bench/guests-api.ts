// Real guests through the API, as a user meets them: the time from an allocation's start (the
// operator issues it to a pool whose instances wait for it) to SSH answering on the host and port
// `GET /preview/v2/instances/{id}/ssh` names, with the sandbox driver and with the qemu driver;
// the memory each running guest holds; and how many sandboxes an allocation of eight starts per
// second. One `allot serve` runs both drivers (a SKU mapped to qemu in its driver configuration).
// The baseline, measured in the same run, is a bare dropbear on the host.

import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesWithMarker, signalProcess, sshAnswers } from '../src/providers/host-processes.js';
import { guestImage } from '../test/support/guest-image/build.js';
import { bareDropbear, guestResidentBytes, megabytes } from './guests.js';
import { startChild } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const operatorToken = 'allot_admin_bench-guests-api';
const sandboxBurst = 8;

interface Client {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

function client(baseUrl: string, token: string): Client {
  return {
    async call(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    },
  };
}

async function expectStatus(what: string, answer: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const got = await answer;
  if (got.status !== status) throw new Error(`${what}: ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

/** Until the API names SSH details with host keys and that port sends an SSH banner. */
async function untilReachable(account: Client, id: string, deadlineMillis: number): Promise<void> {
  for (;;) {
    const answer = await account.call('GET', `/preview/v2/instances/${id}/ssh`);
    if (answer.status === 200 && answer.body.host_keys.length > 0 && (await sshAnswers(answer.body.hostname, answer.body.port, 1000))) return;
    const instance = (await account.call('GET', `/preview/v2/instances/${id}`)).body;
    if (instance.status === 'failed') throw new Error(`${id} failed`);
    if (Date.now() > deadlineMillis) throw new Error(`${id} did not answer SSH`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function benchGuestsApi(): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'allot-bench-guests-api-'));
  const guestsDirectory = join(folder, 'guests');
  const accelerator = (process.env.ALLOT_BENCH_QEMU_ACCELERATOR ?? 'tcg') as 'auto' | 'kvm' | 'tcg';
  const configPath = join(folder, 'drivers.json');
  writeFileSync(configPath, JSON.stringify({ driver: 'sandbox', skus: { 'bench-vm': 'qemu' }, stateDirectory: guestsDirectory, bootConcurrency: sandboxBurst, bootTimeoutSeconds: 300, stopGraceSeconds: 10, qemu: { accelerator, resources: { memoryMiBMin: 256, memoryMiBMax: 256, vcpusMax: 1 } } }));
  const image = await guestImage();
  const server = await startChild([allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--db', `sqlite:${join(folder, 'allot.db')}`, '--seed', 'none', '--driver-config', configPath], { ALLOT_ADMIN_TOKEN: operatorToken });
  const lines: string[] = [];
  try {
    const operator = client(server.baseUrl, operatorToken);
    const account = client(server.baseUrl, (await expectStatus('account', operator.call('POST', '/admin/v1/accounts', { name: 'Bench' }), 201)).token);
    const sandboxSku = (await expectStatus('sku', operator.call('POST', '/admin/v1/instance_skus', { alias: 'bench-sandbox', accelerator: 'h100', num_accelerators: 8 }), 201)).id as string;
    const vmSku = (await expectStatus('sku', operator.call('POST', '/admin/v1/instance_skus', { alias: 'bench-vm', accelerator: 'h100', num_accelerators: 8 }), 201)).id as string;
    const bytes = readFileSync(image.path);
    const imageId = (await expectStatus('image', account.call('POST', '/preview/v2/images', { workspace: 'default', name: 'bench-guest' }), 201)).id as string;
    const url = (await expectStatus('part', account.call('POST', `/preview/v2/images/${imageId}/parts`, { part_id: 1 }), 200)).url as string;
    if ((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) })).status !== 200) throw new Error('upload');
    await expectStatus('complete', account.call('POST', `/preview/v2/images/${imageId}/complete`, { sha256: image.sha256 }), 200);

    let pools = 0;
    /** Instances waiting in a pool of their own, then the allocation that starts them: seconds until every one answers SSH. */
    const allocationToSsh = async (sku: string, imageReference: string, count: number): Promise<{ seconds: number; ids: string[] }> => {
      const pool = (await expectStatus('pool', account.call('POST', '/preview/v2/pools', { workspace: 'default', name: `bench-${++pools}` }), 201)).id as string;
      const ids: string[] = [];
      for (let index = 0; index < count; index++) {
        const created = await expectStatus('instance', account.call('POST', '/preview/v2/instances', { pool, image: imageReference, instance_sku: sku, name: `bench-${pools}-${index}`, cloud_init_user_data: Buffer.from('#!/bin/sh\necho bench\n').toString('base64') }), 201);
        if (created.status !== 'awaiting_allocation') throw new Error(`instance ${created.status}`);
        ids.push(created.id);
      }
      const minute = Math.floor(Date.now() / 60_000) * 60;
      const started = Date.now();
      await expectStatus('allocation', operator.call('POST', '/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: count }] }), 201);
      await Promise.all(ids.map((id) => untilReachable(account, id, started + 600_000)));
      return { seconds: (Date.now() - started) / 1000, ids };
    };

    const baseline = await bareDropbear(folder);
    lines.push(`baseline: bare dropbear on the host answers SSH in ${baseline.seconds.toFixed(3)} s, holds ${megabytes(baseline.bytes)}`);
    const sandbox = await allocationToSsh(sandboxSku, 'ubuntu-24.04-cuda-12.8', 1);
    const sandboxBytes = guestResidentBytes(join(guestsDirectory, 'sandbox', sandbox.ids[0]!));
    lines.push(`sandbox via the API: allocation start to SSH ${sandbox.seconds.toFixed(3)} s (${(sandbox.seconds / baseline.seconds).toFixed(1)}x baseline), ${megabytes(sandboxBytes)} per running sandbox (${(sandboxBytes / baseline.bytes).toFixed(1)}x)`);
    const burst = await allocationToSsh(sandboxSku, 'ubuntu-24.04-cuda-12.8', sandboxBurst);
    lines.push(`sandbox via the API: an allocation of ${sandboxBurst} started, all answering SSH after ${burst.seconds.toFixed(2)} s: ${(sandboxBurst / burst.seconds).toFixed(1)} instances/s`);
    const vm = await allocationToSsh(vmSku, imageId, 1);
    const vmBytes = guestResidentBytes(join(guestsDirectory, 'qemu', vm.ids[0]!));
    lines.push(`qemu (${accelerator === 'kvm' ? 'KVM' : accelerator === 'tcg' ? 'TCG' : 'auto'}) via the API: allocation start to SSH ${vm.seconds.toFixed(1)} s (${(vm.seconds / baseline.seconds).toFixed(0)}x baseline), ${megabytes(vmBytes)} per running VM of 256 MiB (${(vmBytes / baseline.bytes).toFixed(0)}x)`);
    for (const id of [...sandbox.ids, ...burst.ids, ...vm.ids]) await account.call('POST', `/preview/v2/instances/${id}/terminate`, {});
    const deadline = Date.now() + 60_000;
    while (processesWithMarker(`${guestsDirectory}/`).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    await server.stop();
    for (const pid of processesWithMarker(`${guestsDirectory}/`)) signalProcess(pid, `${guestsDirectory}/`, 'SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
  return lines;
}
