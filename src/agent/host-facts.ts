// What an agent tells the control plane about its machine: hostname, CPUs, memory and disk from
// the operating system, the accelerators `nvidia-smi` lists (or the operator declares), and the
// address clients reach its forwarded ports at.

import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import type { Accelerator } from './protocol.js';

/** `H100:8,A100:2` → [{model: 'H100', count: 8}, …]; a model without a count counts one. */
export function parseAccelerators(text: string): Accelerator[] | string {
  const accelerators: Accelerator[] = [];
  for (const part of text.split(',').map((piece) => piece.trim()).filter((piece) => piece !== '')) {
    const match = /^([^:]+?)(?::(\d+))?$/.exec(part);
    if (match === null) return `"${part}" is not MODEL or MODEL:COUNT`;
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (!Number.isInteger(count) || count < 1 || count > 1024) return `"${part}": the count must be a whole number from 1 to 1024`;
    accelerators.push({ model: match[1]!.trim(), count });
  }
  return groupAccelerators(accelerators);
}

/** Sums the counts of each model, in the order models first appear. */
export function groupAccelerators(accelerators: readonly Accelerator[]): Accelerator[] {
  const counts = new Map<string, number>();
  for (const { model, count } of accelerators) counts.set(model, (counts.get(model) ?? 0) + count);
  return [...counts].map(([model, count]) => ({ model, count }));
}

/** The GPUs `nvidia-smi --query-gpu=name --format=csv,noheader` lists, one a line; null where it is not installed or fails. */
export function detectNvidiaGpus(): Accelerator[] | null {
  let output: string;
  try {
    output = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const names = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return names.length === 0 ? null : groupAccelerators(names.map((model) => ({ model, count: 1 })));
}

/** The first non-internal IPv4 address of this machine, else 127.0.0.1. */
export function defaultAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}

export interface HostFacts {
  readonly hostname: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** The size of the file system guests' disks and images are kept on. */
  readonly diskBytes: number;
  readonly accelerators: readonly Accelerator[];
}

/** This machine's facts; `declared` accelerators are used when `nvidia-smi` finds none. */
export function detectHost(stateDirectory: string, declared: readonly Accelerator[] | null): HostFacts {
  const disk = statfsSync(stateDirectory);
  return {
    hostname: hostname(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    diskBytes: disk.blocks * disk.bsize,
    accelerators: detectNvidiaGpus() ?? declared ?? [],
  };
}
