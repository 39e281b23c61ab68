// Real guests: how long from a driver's start to an SSH server that answers, how much memory a
// running guest holds, and how many sandboxes start per second. The baseline, measured in the same
// run, is a bare dropbear started on the host: the least any guest can cost.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LaunchSpec } from '../src/providers/driver.js';
import type { HostDriver } from '../src/providers/host-driver.js';
import { freePort, processesWithMarker, sshAnswers } from '../src/providers/host-processes.js';
import { kvmUsable } from '../src/providers/prerequisites.js';
import { createQemuDriver, qemuDefaults } from '../src/providers/qemu/qemu-driver.js';
import { createSandboxDriver } from '../src/providers/sandbox/sandbox-driver.js';
import { guestImage } from '../test/support/guest-image/build.js';

const run = promisify(execFile);
const sandboxBurst = 8;

function residentBytes(pid: number): number {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}

/** Every process of a guest (including its sandbox's children, which have no marker of their own), summed. */
export function guestResidentBytes(directory: string): number {
  const pids = new Set(processesWithMarker(`${directory}/`));
  for (const pid of [...pids]) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) if (child !== '') pids.add(Number(child));
    } catch {
      // ended
    }
  }
  let total = 0;
  for (const pid of pids) total += residentBytes(pid);
  return total;
}

async function untilSsh(port: number, deadlineMillis: number): Promise<void> {
  while (!(await sshAnswers('127.0.0.1', port, 1000))) {
    if (Date.now() > deadlineMillis) throw new Error(`nothing answered SSH on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function bareDropbear(folder: string): Promise<{ seconds: number; bytes: number }> {
  const key = join(folder, 'baseline_host_key');
  await run('dropbearkey', ['-t', 'ed25519', '-f', key]);
  const port = await freePort();
  const started = Date.now();
  const dropbear: ChildProcess = spawn('dropbear', ['-F', '-E', '-s', '-p', `127.0.0.1:${port}`, '-r', key], { stdio: 'ignore' });
  try {
    await untilSsh(port, Date.now() + 10_000);
    return { seconds: (Date.now() - started) / 1000, bytes: residentBytes(dropbear.pid!) };
  } finally {
    dropbear.kill('SIGKILL');
  }
}

function spec(instanceId: string, image: LaunchSpec['image']): LaunchSpec {
  return { instanceId, hostname: instanceId.replaceAll('_', '-'), instanceSku: 'bench', vcpus: 1, memoryBytes: 256 * 1024 * 1024, image, userData: Buffer.from('#!/bin/sh\necho bench\n'), sshAuthorizedKeys: [], forward443: false };
}

/** Seconds from start() to SSH, and the guest's memory once it answers. */
async function bootOne(driver: HostDriver, stateDirectory: string, launch: LaunchSpec): Promise<{ seconds: number; bytes: number }> {
  const started = Date.now();
  const status = await driver.start(launch);
  for (;;) {
    const now = driver.status(status.instanceId)!;
    if (now.state === 'running') break;
    if (now.state === 'failed') throw new Error(`${launch.instanceId} failed: ${now.failure}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (Date.now() - started) / 1000;
  return { seconds, bytes: guestResidentBytes(join(stateDirectory, launch.instanceId)) };
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchGuests(): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'allot-bench-guests-'));
  const hostOptions = (name: string, bootConcurrency: number) => ({ stateDirectory: join(folder, name), advertisedHost: '127.0.0.1', bootConcurrency, bootTimeoutSeconds: 300, stopGraceSeconds: 10 });
  const lines: string[] = [];
  const sandbox = createSandboxDriver(hostOptions('sandbox', sandboxBurst));
  // TCG unless asked, as in the qemu tests: nested KVM (this project's CI machines) cannot boot the test image.
  const accelerator = (process.env.ALLOT_BENCH_QEMU_ACCELERATOR ?? 'tcg') as 'auto' | 'kvm' | 'tcg';
  const qemu = createQemuDriver(hostOptions('qemu', 1), { ...qemuDefaults, accelerator, resources: { scale: 1, memoryMiBMin: 256, memoryMiBMax: 256, vcpusMax: 1 } });
  try {
    const baseline = await bareDropbear(folder);
    lines.push(`baseline: bare dropbear on the host answers SSH in ${baseline.seconds.toFixed(3)} s, holds ${megabytes(baseline.bytes)}`);

    const one = await bootOne(sandbox, join(folder, 'sandbox'), spec('inst_benchsandbox0', null));
    lines.push(`sandbox: start to SSH ${one.seconds.toFixed(3)} s (${(one.seconds / baseline.seconds).toFixed(1)}x baseline), ${megabytes(one.bytes)} per running sandbox (${(one.bytes / baseline.bytes).toFixed(1)}x)`);

    const burstStarted = Date.now();
    await Promise.all(Array.from({ length: sandboxBurst }, (_, index) => bootOne(sandbox, join(folder, 'sandbox'), spec(`inst_benchsandbox${index + 1}`, null))));
    const burstSeconds = (Date.now() - burstStarted) / 1000;
    lines.push(`sandbox: ${sandboxBurst} started together, all answering SSH after ${burstSeconds.toFixed(2)} s: ${(sandboxBurst / burstSeconds).toFixed(1)} instances/s`);

    const image = await guestImage();
    const vm = await bootOne(qemu, join(folder, 'qemu'), spec('inst_benchqemu0', { path: image.path, sha256: image.sha256 }));
    lines.push(`qemu (${accelerator === 'tcg' || !kvmUsable() ? 'TCG' : 'KVM'}): start to SSH ${vm.seconds.toFixed(1)} s (${(vm.seconds / baseline.seconds).toFixed(0)}x baseline), ${megabytes(vm.bytes)} per running VM of 256 MiB (${(vm.bytes / baseline.bytes).toFixed(0)}x)`);
  } finally {
    for (const driver of [sandbox, qemu]) {
      for (const status of await driver.list()) await driver.remove(status.instanceId);
      await driver.close();
    }
    rmSync(folder, { recursive: true, force: true });
  }
  return lines;
}
