// What a driver needs on its host, checked before it runs anything: the commands it calls, each
// named with the Debian package that gives it, and devices such as /dev/kvm. A missing one is a
// PrerequisiteError whose message says what to install, never a failure halfway through a boot.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A command a driver runs, and the Debian package it comes from. */
export interface RequiredCommand {
  readonly command: string;
  readonly debianPackage: string;
}

export class PrerequisiteError extends Error {
  override readonly name = 'PrerequisiteError';
}

/** Where commands are looked for: the PATH, then the sbin folders a non-login PATH may lack. */
function searchPath(): string[] {
  const fromEnvironment = (process.env.PATH ?? '').split(delimiter).filter((folder) => folder !== '');
  return [...new Set([...fromEnvironment, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])];
}

/** The full path of an executable command, or null when it is not installed. */
export function findCommand(command: string): string | null {
  for (const folder of searchPath()) {
    const path = join(folder, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The full path of each command, in order; throws naming every missing one and its package. */
export function requireCommands(purpose: string, commands: readonly RequiredCommand[]): string[] {
  const found = commands.map((required) => findCommand(required.command));
  const missing = commands.filter((_, index) => found[index] === null);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((required) => required.debianPackage))];
    const names = missing.map((required) => `${required.command} (Debian package ${required.debianPackage})`).join(', ');
    throw new PrerequisiteError(`${purpose} needs ${names}: install with \`apt-get install ${packages.join(' ')}\``);
  }
  return found as string[];
}

/** Whether this process may open /dev/kvm for reading and writing, as QEMU does for KVM. */
export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `-cpu` model QEMU starts with under KVM here, or null with QEMU's own words when none does.
 * `host` is the natural choice, but some hosts (nested virtualisation, as on this project's CI)
 * refuse to let a guest see the IA32_ARCH_CAPABILITIES MSR, and QEMU then aborts as its vCPU is
 * set up ("failed to set MSR 0x10a"); hiding that one feature costs the guest only its knowledge
 * of which CPU flaws the host mitigates. Asked once per process, with the VM paused before it runs.
 */
export function kvmCpuModel(qemu: string): { readonly model: string } | { readonly failure: string } {
  kvmProbe ??= probeKvmCpuModel(qemu);
  return kvmProbe;
}

let kvmProbe: { readonly model: string } | { readonly failure: string } | undefined;

const kvmCpuModels = ['host', 'host,-arch-capabilities'];

function probeKvmCpuModel(qemu: string): { readonly model: string } | { readonly failure: string } {
  let failure = '';
  for (const model of kvmCpuModels) {
    const probe = spawnSync(qemu, ['-machine', 'q35,accel=kvm', '-cpu', model, '-m', '16', '-nodefaults', '-no-user-config', '-display', 'none', '-S', '-monitor', 'stdio'], {
      input: 'quit\n',
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (probe.status === 0) return { model };
    failure = (probe.stderr || probe.error?.message || `exit status ${probe.status}`).trim().split('\n')[0]!;
  }
  return { failure };
}

/** Throws unless /dev/kvm is usable, saying why and what to do. */
export function requireKvm(purpose: string): void {
  if (kvmUsable()) return;
  const why = existsSync('/dev/kvm') ? 'this process cannot open /dev/kvm (add the user to the kvm group)' : 'there is no /dev/kvm (hardware virtualisation off, or the kvm_intel/kvm_amd module not loaded)';
  throw new PrerequisiteError(`${purpose} demands KVM, but ${why}; QEMU itself comes from the Debian package qemu-system-x86. Set the accelerator to "auto" to fall back to TCG.`);
}
