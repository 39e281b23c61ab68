// Cloud-init user data as the sandbox runs it: a `#!` script runs as it is; `#cloud-config` is
// read with a YAML parser and its `write_files`, `ssh_authorized_keys` and `runcmd` become one
// shell script, in cloud-init's order (files, keys, commands). Keys the sandbox does not act on
// are named in the script's output, so the console says what was ignored.

import { parse } from 'yaml';

export type UserData =
  | { readonly kind: 'none' }
  | { readonly kind: 'script'; readonly bytes: Uint8Array }
  | { readonly kind: 'cloud-config'; readonly config: CloudConfig }
  | { readonly kind: 'unsupported'; readonly reason: string };

export interface WriteFile {
  readonly path: string;
  readonly content: string;
  readonly encoding: 'text' | 'base64';
  /** Octal, as cloud-init takes it. */
  readonly permissions: string;
  readonly owner: string | null;
  readonly append: boolean;
}

export interface CloudConfig {
  readonly writeFiles: readonly WriteFile[];
  readonly sshAuthorizedKeys: readonly string[];
  /** Each command a line of shell, or an argument vector. */
  readonly runcmd: readonly (string | readonly string[])[];
  readonly ignoredKeys: readonly string[];
}

const actedOn = new Set(['write_files', 'ssh_authorized_keys', 'runcmd']);

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function readCloudConfig(source: string): CloudConfig | string {
  let document: unknown;
  try {
    document = parse(source);
  } catch (error) {
    return `#cloud-config is not valid YAML: ${(error as Error).message}`;
  }
  if (document === null || document === undefined) return { writeFiles: [], sshAuthorizedKeys: [], runcmd: [], ignoredKeys: [] };
  if (typeof document !== 'object' || Array.isArray(document)) return '#cloud-config must be a mapping';
  const config = document as Record<string, unknown>;
  const list = (key: string): unknown[] => (Array.isArray(config[key]) ? (config[key] as unknown[]) : config[key] === undefined || config[key] === null ? [] : [config[key]]);
  const writeFiles: WriteFile[] = [];
  for (const entry of list('write_files')) {
    if (typeof entry !== 'object' || entry === null || typeof (entry as { path?: unknown }).path !== 'string') return 'each write_files entry needs a path';
    const file = entry as Record<string, unknown>;
    const encoding = text(file.encoding);
    if (encoding !== '' && !['b64', 'base64', 'text/plain'].includes(encoding)) return `write_files encoding ${encoding} is not supported (b64 and plain text are)`;
    writeFiles.push({
      path: file.path as string,
      content: text(file.content),
      encoding: encoding === 'b64' || encoding === 'base64' ? 'base64' : 'text',
      permissions: file.permissions === undefined ? '0644' : typeof file.permissions === 'number' ? file.permissions.toString(8).padStart(4, '0') : text(file.permissions),
      owner: file.owner === undefined ? null : text(file.owner),
      append: file.append === true,
    });
  }
  return {
    writeFiles,
    sshAuthorizedKeys: list('ssh_authorized_keys').map(text).filter((key) => key !== ''),
    runcmd: list('runcmd').map((command) => (Array.isArray(command) ? command.map(text) : text(command))),
    ignoredKeys: Object.keys(config).filter((key) => !actedOn.has(key)),
  };
}

export function readUserData(bytes: Uint8Array | null): UserData {
  if (bytes === null || bytes.length === 0) return { kind: 'none' };
  const head = Buffer.from(bytes.subarray(0, 64)).toString('utf8');
  if (head.startsWith('#!')) return { kind: 'script', bytes };
  if (/^#cloud-config\s/.test(head) || head.trimEnd() === '#cloud-config') {
    const config = readCloudConfig(Buffer.from(bytes).toString('utf8'));
    return typeof config === 'string' ? { kind: 'unsupported', reason: config } : { kind: 'cloud-config', config };
  }
  return { kind: 'unsupported', reason: 'user data is neither a #! script nor #cloud-config' };
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The shell script that does what a cloud-config says, for root, in cloud-init's order. */
export function cloudConfigScript(config: CloudConfig): string {
  const lines = ['#!/bin/sh'];
  for (const key of config.ignoredKeys) lines.push(`echo ${shellQuote(`allot-sandbox: cloud-config key "${key}" is not supported by the sandbox; ignored`)}`);
  for (const file of config.writeFiles) {
    const path = shellQuote(file.path);
    const redirect = file.append ? '>>' : '>';
    lines.push(`mkdir -p "$(dirname ${path})"`);
    lines.push(file.encoding === 'base64' ? `printf '%s' ${shellQuote(file.content)} | base64 -d ${redirect} ${path}` : `printf '%s' ${shellQuote(file.content)} ${redirect} ${path}`);
    lines.push(`chmod ${shellQuote(file.permissions)} ${path}`);
    if (file.owner !== null) lines.push(`chown ${shellQuote(file.owner)} ${path} 2>/dev/null || true`);
  }
  if (config.sshAuthorizedKeys.length > 0) {
    lines.push('mkdir -p /root/.ssh', 'chmod 700 /root/.ssh');
    for (const key of config.sshAuthorizedKeys) lines.push(`printf '%s\\n' ${shellQuote(key)} >> /root/.ssh/authorized_keys`);
    lines.push('chmod 600 /root/.ssh/authorized_keys');
  }
  for (const command of config.runcmd) lines.push(typeof command === 'string' ? command : command.map(shellQuote).join(' '));
  return `${lines.join('\n')}\n`;
}
