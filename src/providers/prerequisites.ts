// What a driver needs on its host, checked before it runs anything: the commands it calls, each
// named with the Debian package that gives it, and devices such as /dev/kvm. A missing one is a
// PrerequisiteError whose message says what to install, never a failure halfway through a boot.

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

/** Throws unless /dev/kvm is usable, saying why and what to do. */
export function requireKvm(purpose: string): void {
  if (kvmUsable()) return;
  const why = existsSync('/dev/kvm') ? 'this process cannot open /dev/kvm (add the user to the kvm group)' : 'there is no /dev/kvm (hardware virtualisation off, or the kvm_intel/kvm_amd module not loaded)';
  throw new PrerequisiteError(`${purpose} demands KVM, but ${why}; QEMU itself comes from the Debian package qemu-system-x86. Set the accelerator to "auto" to fall back to TCG.`);
}
