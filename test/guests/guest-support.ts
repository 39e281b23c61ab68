// Shared by the real-guest tests: an SSH key pair for the test's "account", the real OpenSSH
// client to reach a guest, and waits on a driver's events instead of sleeps.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstanceDriver, LaunchSpec, RunStatus } from '../../src/providers/driver.js';
import type { ProviderInstance } from '../../src/providers/provider.js';

const run = promisify(execFile);

export interface KeyPair {
  readonly privateKeyPath: string;
  readonly publicKey: string;
}

export async function sshKeyPair(): Promise<KeyPair> {
  const folder = mkdtempSync(join(tmpdir(), 'allot-test-key-'));
  const privateKeyPath = join(folder, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'allot-test', '-f', privateKeyPath]);
  return { privateKeyPath, publicKey: readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() };
}

/** Runs `command` in the guest with the real OpenSSH client; answers its standard output. */
export async function ssh(host: string, port: number, key: KeyPair, command: string, knownHostsPath = '/dev/null'): Promise<string> {
  const options = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', `UserKnownHostsFile=${knownHostsPath}`, '-o', knownHostsPath === '/dev/null' ? 'StrictHostKeyChecking=no' : 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR'];
  const { stdout } = await run('ssh', [...options, '-i', key.privateKeyPath, '-p', String(port), `root@${host}`, command], { timeout: 60_000 });
  return stdout;
}

/** The instance as the read side of a driver sees it (only the id matters to real drivers). */
export function providerInstance(id: string): ProviderInstance {
  return { id, name: id, imageName: 'test', cloudInitUserData: null, enablePublicIpv4: false, startedAt: null, endedAt: null, endReason: null };
}

export function consoleText(driver: InstanceDriver, id: string): string {
  return driver.consoleLog(providerInstance(id), 0).map((line) => line.data).join('');
}

/** Resolves with the status once `predicate` holds for it, polling the driver. */
export async function until(driver: InstanceDriver, id: string, predicate: (status: RunStatus) => boolean, timeoutMillis: number): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const status = driver.status(id);
    if (status !== null && predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`instance ${id} did not reach the expected state within ${timeoutMillis} ms; it is ${JSON.stringify(status)}\n${consoleText(driver, id)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Resolves once the console log contains `text`. */
export async function untilConsole(driver: InstanceDriver, id: string, text: string, timeoutMillis: number): Promise<string> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const log = consoleText(driver, id);
    if (log.includes(text)) return log;
    if (Date.now() > deadline) throw new Error(`instance ${id}'s console did not show ${JSON.stringify(text)} within ${timeoutMillis} ms:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let counter = 0;

export function launchSpec(change: Partial<LaunchSpec> & Pick<LaunchSpec, 'sshAuthorizedKeys'>): LaunchSpec {
  counter++;
  return {
    instanceId: `inst_test${process.pid}x${counter}`,
    hostname: `guest-${counter}`,
    instanceSku: 'isku_test',
    vcpus: 1,
    memoryBytes: 256 * 1024 * 1024,
    image: null,
    userData: null,
    forward443: false,
    ...change,
  };
}

/** What a server on a forwarded port sends, trying again while the forward is not yet answering. */
export function readFromPort(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const attempt = (left: number) => {
      const socket = connect({ host: '127.0.0.1', port });
      let text = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => (text !== '' || left === 0 ? resolve(text) : setTimeout(() => attempt(left - 1), 300)));
      socket.on('error', (error) => (left === 0 ? reject(error) : undefined));
    };
    attempt(20);
  });
}
